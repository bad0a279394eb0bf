import type { Metadata } from "next";
import { Suspense } from "react";
import { YouTubeCallback } from "@/components/youtube/youtube-callback";
import { LoadingState } from "@/components/ui/states";

export const metadata: Metadata = { title: "Linking YouTube" };

export default function Page() {
  return (
    <Suspense fallback={<LoadingState />}>
      <YouTubeCallback />
    </Suspense>
  );
}

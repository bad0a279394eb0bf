import type { Metadata } from "next";
import { Suspense } from "react";
import { ClipsGallery } from "@/components/clips/clips-gallery";
import { LoadingState } from "@/components/ui/states";

export const metadata: Metadata = { title: "Clips" };

export default function Page() {
  return (
    <Suspense fallback={<LoadingState />}>
      <ClipsGallery />
    </Suspense>
  );
}

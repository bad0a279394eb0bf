import type { Metadata } from "next";
import { NotFoundView } from "@/components/ui/route-states";

export const metadata: Metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <main>
      <NotFoundView
        title="Page not found"
        description="The page does not exist, or it belongs to someone else."
        href="/"
        linkLabel="Back to overview"
      />
    </main>
  );
}

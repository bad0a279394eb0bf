"use client";

import { RouteErrorView } from "@/components/ui/route-states";

export default function RootError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main>
      <RouteErrorView error={error} reset={reset} />
    </main>
  );
}

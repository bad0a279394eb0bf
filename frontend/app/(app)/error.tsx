"use client";

import { RouteErrorView } from "@/components/ui/route-states";

/** A page of the signed-in area failed to render: the navigation stays, the page offers a retry. */
export default function AppError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <RouteErrorView error={error} reset={reset} title="This page failed to load" />;
}

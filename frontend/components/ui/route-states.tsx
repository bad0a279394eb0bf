"use client";

import Link from "next/link";
import { useEffect } from "react";
import { buttonClass, Button } from "./button";

/** The body of a not-found.tsx: what is missing and the way back. */
export function NotFoundView({ title, description, href, linkLabel }: { title: string; description: string; href: string; linkLabel: string }) {
  return (
    <div className="mx-auto max-w-md px-4 py-16 text-center">
      <h1 className="text-2xl font-semibold">{title}</h1>
      <p className="mt-2 text-sm text-zinc-600">{description}</p>
      <Link href={href} className={buttonClass("primary", "md", "mt-6")}>
        {linkLabel}
      </Link>
    </div>
  );
}

/** The body of an error.tsx: the message and a retry that re-renders the segment. */
export function RouteErrorView({ error, reset, title = "Something went wrong" }: { error: Error & { digest?: string }; reset: () => void; title?: string }) {
  useEffect(() => {
    // Leaves a trace for whoever debugs it; the user sees the message below.
    console.warn(error);
  }, [error]);
  return (
    <div role="alert" className="mx-auto max-w-md px-4 py-16 text-center">
      <h1 className="text-2xl font-semibold">{title}</h1>
      <p className="mt-2 break-words text-sm text-zinc-600">{error.message || "An unexpected error occurred."}</p>
      <Button className="mt-6" onClick={reset}>
        Try again
      </Button>
    </div>
  );
}

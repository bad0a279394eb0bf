import type { ReactNode } from "react";
import { cn } from "@/lib/cn";

/**
 * A box that scrolls by itself. It takes keyboard focus (so arrow keys scroll it even when it
 * holds nothing focusable) and is a named region, so screen readers say what gets focus.
 */
export function ScrollRegion({ label, className, children }: { label: string; className?: string; children: ReactNode }) {
  return (
    <div
      role="region"
      aria-label={label}
      tabIndex={0}
      className={cn("overflow-y-auto rounded focus-visible:outline-2 focus-visible:outline-accent-600", className)}
    >
      {children}
    </div>
  );
}

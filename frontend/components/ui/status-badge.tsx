import { cn } from "@/lib/cn";
import { titleCase } from "@/lib/format";

const styles: Record<string, string> = {
  pending: "bg-zinc-100 text-zinc-700 ring-zinc-300",
  queued: "bg-sky-50 text-sky-800 ring-sky-200",
  processing: "bg-accent-50 text-accent-800 ring-accent-200",
  completed: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  failed: "bg-red-50 text-red-800 ring-red-200",
  cancelled: "bg-amber-50 text-amber-800 ring-amber-200",
  // A publication's own states.
  uploading: "bg-accent-50 text-accent-800 ring-accent-200",
  published: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  // A re-render's own states.
  rendering: "bg-accent-50 text-accent-800 ring-accent-200",
  ready: "bg-emerald-50 text-emerald-800 ring-emerald-200",
};
const BUSY = new Set(["processing", "uploading", "rendering"]);

export function StatusBadge({ status, className }: { status: string; className?: string }) {
  return (
    <span
      data-status={status}
      className={cn(
        "inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset",
        styles[status] ?? styles.pending,
        className,
      )}
    >
      {BUSY.has(status) && <span aria-hidden className="size-1.5 animate-pulse rounded-full bg-current" />}
      {titleCase(status)}
    </span>
  );
}

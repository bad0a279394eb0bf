import type { JobEvent, JobEventType } from "@/lib/api";
import { ScrollRegion } from "@/components/ui/scroll-region";
import { cn } from "@/lib/cn";
import { formatDateTime, titleCase } from "@/lib/format";

/** How each typed event looks (the types are the backend's JobEventType enum). */
const TONE: Partial<Record<JobEventType, string>> = {
  error: "bg-red-100 text-red-800",
  warning: "bg-amber-100 text-amber-800",
};

export function EventLog({ events }: { events: JobEvent[] }) {
  if (events.length === 0) return <p className="text-sm text-zinc-500">No events yet.</p>;
  return (
    <ScrollRegion label="Event log" className="max-h-80">
      <ol className="space-y-2 text-sm">
        {events.map((e) => (
          <li key={e.id} className="flex gap-3">
            <time dateTime={e.created_at} className="w-28 shrink-0 text-xs tabular-nums text-zinc-600 sm:w-36">
              {formatDateTime(e.created_at)}
            </time>
            <div className="min-w-0">
              <span
                className={cn(
                  "mr-2 rounded px-1.5 py-0.5 text-[11px] font-medium",
                  TONE[e.type] ?? "bg-zinc-100 text-zinc-700",
                )}
              >
                {titleCase(e.type)}
              </span>
              {e.stage && <span className="mr-2 text-zinc-600">{titleCase(e.stage)}</span>}
              {e.message && <span className="break-words text-zinc-800">{e.message}</span>}
            </div>
          </li>
        ))}
      </ol>
    </ScrollRegion>
  );
}

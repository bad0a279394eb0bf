"use client";

import type { TranscriptSegment } from "@/lib/api";
import { cn } from "@/lib/cn";
import { formatDuration } from "@/lib/format";
import { ScrollRegion } from "@/components/ui/scroll-region";
import type { TimelineClip } from "./timeline";

/** The clip that covers most of a segment, if any (clips start and end on segment boundaries). */
export function clipForSegment(seg: Pick<TranscriptSegment, "start" | "end">, clips: TimelineClip[]): TimelineClip | undefined {
  let best: TimelineClip | undefined;
  let bestOverlap = 0;
  for (const clip of clips) {
    const overlap = Math.min(seg.end, clip.end_time) - Math.max(seg.start, clip.start_time);
    if (overlap > bestOverlap + 1e-6) {
      best = clip;
      bestOverlap = overlap;
    }
  }
  return best;
}

export function TranscriptView({
  segments,
  clips,
  onSelectClip,
}: {
  segments: Pick<TranscriptSegment, "start" | "end" | "text">[];
  clips: TimelineClip[];
  onSelectClip?: (clip: TimelineClip) => void;
}) {
  if (segments.length === 0) return <p className="text-sm text-zinc-500">The transcript is empty.</p>;
  const index = new Map(clips.map((c, i) => [c.id, i + 1]));
  return (
    <ScrollRegion label="Transcript" className="max-h-[28rem]">
      <ol className="space-y-0.5 pr-2 text-sm leading-relaxed">
        {segments.map((seg, i) => {
          const clip = clipForSegment(seg, clips);
          return (
            <li
              key={`${seg.start}-${i}`}
              data-testid={clip ? "transcript-highlight" : undefined}
              className={cn("flex gap-3 rounded px-2 py-1", clip && "border-l-4 border-accent-600 bg-accent-50")}
            >
              <span className="w-12 shrink-0 pt-px font-mono text-xs tabular-nums text-zinc-600">{formatDuration(seg.start)}</span>
              <span className="min-w-0 flex-1 break-words">{seg.text}</span>
              {clip && (
                <button
                  type="button"
                  onClick={() => onSelectClip?.(clip)}
                  className="shrink-0 self-start rounded bg-accent-600 px-1.5 text-[11px] font-medium text-white hover:bg-accent-700"
                  aria-label={`Play clip ${index.get(clip.id)}: ${clip.title}`}
                >
                  Clip {index.get(clip.id)}
                </button>
              )}
            </li>
          );
        })}
      </ol>
    </ScrollRegion>
  );
}

"use client";

import type { Clip } from "@/lib/api";
import { cn } from "@/lib/cn";
import { formatDuration, formatScore } from "@/lib/format";

export type TimelineClip = Pick<Clip, "id" | "title" | "start_time" | "end_time" | "score">;

export interface TimelineProps {
  /** The source's length; without it the last clip's end stands in. */
  duration: number | null | undefined;
  clips: TimelineClip[];
  selectedId?: string | null;
  onSelect?: (clip: TimelineClip) => void;
}

/** Where each clip sits in the source (left/width in %), clamped to the bar. */
export function clipGeometry(clip: Pick<Clip, "start_time" | "end_time">, total: number): { left: number; width: number } {
  if (!(total > 0)) return { left: 0, width: 0 };
  const start = Math.min(Math.max(clip.start_time, 0), total);
  const end = Math.min(Math.max(clip.end_time, start), total);
  return { left: (start / total) * 100, width: Math.max(((end - start) / total) * 100, 0.75) };
}

/** Higher scores are drawn more opaque: 0 → 25 %, 1 → 100 %. */
export function scoreOpacity(score: number): number {
  const s = Number.isFinite(score) ? Math.min(Math.max(score, 0), 1) : 0;
  return Math.round((0.25 + 0.75 * s) * 100) / 100;
}

export function Timeline({ duration, clips, selectedId, onSelect }: TimelineProps) {
  const total = duration && duration > 0 ? duration : Math.max(0, ...clips.map((c) => c.end_time));
  if (!(total > 0)) return <p className="text-sm text-zinc-500">The timeline appears once the source&apos;s length is known.</p>;
  const ticks = [0, 0.25, 0.5, 0.75, 1];

  return (
    <div>
      <div
        role="group"
        aria-label={`Clip timeline, ${formatDuration(total)} long, ${clips.length} clips`}
        className="relative h-12 rounded-md bg-zinc-100 ring-1 ring-inset ring-zinc-200"
        data-testid="timeline"
      >
        {clips.map((clip, i) => {
          const { left, width } = clipGeometry(clip, total);
          const selected = clip.id === selectedId;
          return (
            <button
              key={clip.id}
              type="button"
              data-testid="timeline-clip"
              aria-pressed={selected}
              aria-label={`Play clip ${i + 1}: ${clip.title || "untitled"}, ${formatDuration(clip.start_time)} to ${formatDuration(clip.end_time)}, score ${formatScore(clip.score)}`}
              title={`${clip.title} · ${formatDuration(clip.start_time)}–${formatDuration(clip.end_time)} · score ${formatScore(clip.score)}`}
              onClick={() => onSelect?.(clip)}
              className={cn(
                "absolute inset-y-1 rounded-sm bg-accent-600 transition hover:ring-2 hover:ring-accent-800",
                "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent-800",
                selected && "ring-2 ring-zinc-900",
              )}
              style={{ left: `${left}%`, width: `${width}%`, opacity: scoreOpacity(clip.score) }}
            />
          );
        })}
      </div>
      <div aria-hidden className="relative mt-1 h-4 text-[11px] tabular-nums text-zinc-500">
        {ticks.map((t) => (
          <span
            key={t}
            className="absolute"
            style={{ left: `${t * 100}%`, transform: t === 0 ? "none" : t === 1 ? "translateX(-100%)" : "translateX(-50%)" }}
          >
            {formatDuration(total * t)}
          </span>
        ))}
      </div>
      <p className="mt-1 flex items-center gap-2 text-xs text-zinc-500">
        <span aria-hidden className="inline-block h-2 w-8 rounded-sm bg-gradient-to-r from-accent-600/25 to-accent-600" />
        Darker means a higher score. Select a clip to play it.
      </p>
    </div>
  );
}

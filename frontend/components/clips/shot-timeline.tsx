"use client";

import type { Clip } from "@/lib/api";
import { cn } from "@/lib/cn";
import { formatDuration } from "@/lib/format";
import { layoutShare, shotSegments, type ShotLayout } from "@/lib/shorts";

const TONE: Record<ShotLayout, string> = {
  crop: "bg-sky-700 text-white",
  fit: "bg-amber-500 text-zinc-950",
  split: "bg-violet-600 text-white",
};
const MEANING: Record<ShotLayout, string> = {
  crop: "cropped on the face",
  fit: "whole frame over a blurred fill",
  split: "two speakers stacked",
};

/** "0:03.5": shot boundaries are often less than a second apart. */
function stamp(t: number): string {
  return `${formatDuration(Math.floor(t))}.${Math.floor((t % 1) * 10)}`;
}

/** The layout of each shot along the clip: one labelled segment per shot (crop / fit / split). */
export function ShotTimeline({ clip }: { clip: Pick<Clip, "shots" | "duration" | "layout"> }) {
  const segments = shotSegments(clip.shots ?? [], clip.duration);
  if (segments.length === 0) return <p className="text-xs text-zinc-500">No shot plan for this clip.</p>;
  const share = layoutShare(segments);
  const summary = (Object.keys(share) as ShotLayout[]).map((l) => `${l} ${Math.round(share[l] ?? 0)} s`).join(", ");

  return (
    <figure data-testid="shot-timeline" data-layout={clip.layout}>
      <figcaption className="mb-1 flex justify-between text-xs text-zinc-600">
        <span className="font-medium">Layout per shot</span>
        <span>
          {segments.length} {segments.length === 1 ? "shot" : "shots"} · {summary}
        </span>
      </figcaption>
      <ol className="relative flex h-7 overflow-hidden rounded-md bg-zinc-100 ring-1 ring-inset ring-zinc-200" aria-label={`Shots: ${summary}`}>
        {segments.map((s, i) => (
          <li
            key={`${s.start}-${i}`}
            data-testid="shot-segment"
            data-layout={s.layout}
            className={cn("absolute inset-y-0 flex items-center justify-center border-r border-white/70 text-[11px] font-medium", TONE[s.layout])}
            style={{ left: `${s.left}%`, width: `${s.width}%` }}
            title={`${stamp(s.start)}–${stamp(s.end)}: ${s.layout} (${MEANING[s.layout]})`}
          >
            <span className="sr-only">
              Shot {i + 1}, {stamp(s.start)} to {stamp(s.end)}:{" "}
            </span>
            <span className="truncate px-1">{s.layout}</span>
          </li>
        ))}
      </ol>
    </figure>
  );
}

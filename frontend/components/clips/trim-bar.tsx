"use client";

import { useRef, type KeyboardEvent, type PointerEvent } from "react";
import { cn } from "@/lib/cn";
import { formatDuration } from "@/lib/format";
import { moveTrim, stepPoint, trimWindow, type TrimRange } from "@/lib/shorts";

export interface TrimBarProps {
  /** The range being edited (source seconds). */
  value: TrimRange;
  /** The clip's range as rendered now, drawn as an outline. */
  original: TrimRange;
  /** Transcript boundaries: the handles snap to these. */
  points: readonly number[];
  sourceDuration: number | null | undefined;
  onChange: (range: TrimRange) => void;
  disabled?: boolean;
}

/** "1:02.4": trims move by transcript segments, often a few seconds apart. */
export function formatTrimTime(t: number): string {
  return `${formatDuration(Math.floor(t))}.${Math.floor((t % 1) * 10 + 1e-6)}`;
}

/**
 * Start and end handles on the SOURCE timeline around the clip. Dragging snaps to the nearest
 * transcript boundary (the server snaps too; showing it avoids a surprise); arrow keys step from
 * boundary to boundary, Home/End go to the window's first/last one.
 */
export function TrimBar({ value, original, points, sourceDuration, onChange, disabled }: TrimBarProps) {
  const barRef = useRef<HTMLDivElement>(null);
  const win = trimWindow(original.start, original.end, sourceDuration);
  const span = win.to - win.from || 1;
  const pct = (t: number) => ((Math.min(Math.max(t, win.from), win.to) - win.from) / span) * 100;
  const visible = points.filter((p) => p >= win.from && p <= win.to);

  const timeAt = (clientX: number) => {
    const rect = barRef.current?.getBoundingClientRect();
    if (!rect || rect.width === 0) return null;
    return win.from + ((clientX - rect.left) / rect.width) * span;
  };

  const onPointer = (edge: "start" | "end") => (e: PointerEvent<HTMLDivElement>) => {
    if (disabled || (e.type === "pointermove" && e.buttons === 0)) return;
    if (e.type === "pointerdown") e.currentTarget.setPointerCapture?.(e.pointerId);
    const t = timeAt(e.clientX);
    if (t !== null) onChange(moveTrim(value, edge, t, visible));
  };

  const onKey = (edge: "start" | "end") => (e: KeyboardEvent<HTMLDivElement>) => {
    if (disabled) return;
    const current = value[edge];
    const target =
      e.key === "ArrowLeft" || e.key === "ArrowDown"
        ? stepPoint(current, visible, -1)
        : e.key === "ArrowRight" || e.key === "ArrowUp"
          ? stepPoint(current, visible, 1)
          : e.key === "Home"
            ? (visible[0] ?? current)
            : e.key === "End"
              ? (visible.at(-1) ?? current)
              : null;
    if (target === null) return;
    e.preventDefault();
    onChange(moveTrim(value, edge, target, visible));
  };

  const handle = (edge: "start" | "end") => (
    <div
      role="slider"
      tabIndex={disabled ? -1 : 0}
      aria-label={edge === "start" ? "Clip start" : "Clip end"}
      aria-valuemin={win.from}
      aria-valuemax={win.to}
      aria-valuenow={value[edge]}
      aria-valuetext={`${formatTrimTime(value[edge])} in the source`}
      aria-disabled={disabled || undefined}
      data-testid={`trim-${edge}`}
      onKeyDown={onKey(edge)}
      onPointerDown={onPointer(edge)}
      onPointerMove={onPointer(edge)}
      className={cn(
        "absolute inset-y-0 z-10 w-3 -translate-x-1/2 cursor-ew-resize touch-none rounded-sm bg-zinc-900 shadow",
        "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent-600",
        disabled && "cursor-not-allowed opacity-50",
      )}
      style={{ left: `${pct(value[edge])}%` }}
    />
  );

  return (
    <div>
      <div ref={barRef} className="relative h-10 rounded-md bg-zinc-100 ring-1 ring-inset ring-zinc-200" data-testid="trim-bar">
        {visible.map((p) => (
          <span key={p} aria-hidden data-testid="trim-snap" className="absolute inset-y-2 w-px bg-zinc-400" style={{ left: `${pct(p)}%` }} />
        ))}
        <span
          aria-hidden
          className="absolute inset-y-0 rounded-sm border-2 border-dashed border-zinc-500"
          style={{ left: `${pct(original.start)}%`, width: `${pct(original.end) - pct(original.start)}%` }}
        />
        <span
          aria-hidden
          data-testid="trim-selection"
          className="absolute inset-y-1 bg-accent-600/35"
          style={{ left: `${pct(value.start)}%`, width: `${pct(value.end) - pct(value.start)}%` }}
        />
        {handle("start")}
        {handle("end")}
      </div>
      <div className="mt-1 flex justify-between text-[11px] tabular-nums text-zinc-500" aria-hidden>
        <span>{formatDuration(win.from)}</span>
        <span>{formatDuration(win.to)}</span>
      </div>
      <p className="text-xs tabular-nums text-zinc-700" data-testid="trim-readout" aria-live="polite">
        {formatTrimTime(value.start)} – {formatTrimTime(value.end)} · {(value.end - value.start).toFixed(1)} s
        <span className="text-zinc-500"> · snaps to {visible.length} transcript boundaries (ticks); dashed: current cut</span>
      </p>
    </div>
  );
}

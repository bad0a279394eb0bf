/**
 * Shorts (CONTRACTS §9) on the dashboard: player aspect, the per-shot layout bar, trim snapping
 * to transcript boundaries and the re-render request. Pure functions; the components draw them.
 */
import type { Clip, RenderOptions, RenderRequest, Shot } from "./api";
import { JOB_OPTION_FIELDS } from "./api-meta";

type Format = Clip["format"];
export type ShotLayout = Shot["layout"];

// ---------------------------------------------------------------------------------------------
// Player

/** width / height of a clip's video: the output's own size when known, else its format's. */
export function clipAspect(clip: Pick<Clip, "width" | "height"> & { format?: Format | null }): number {
  if (clip.width && clip.height && clip.width > 0 && clip.height > 0) return clip.width / clip.height;
  if (clip.format === "vertical") return 9 / 16;
  if (clip.format === "square") return 1;
  return 16 / 9;
}

/**
 * The video URL with a version, so a re-rendered clip (same URL, new file) gets a new <video>
 * that loads the new file. The version is a fragment: the API refuses unknown query parameters,
 * a fragment never reaches the server, and the file is served "no-cache" with an ETag, so the
 * browser revalidates and gets the new bytes. It comes from what a render changes.
 */
export function versionedVideoUrl(url: string, clip: Partial<Pick<Clip, "start_time" | "end_time" | "file_size" | "loudness" | "render_options" | "render_status">>): string {
  const key = JSON.stringify([clip.start_time, clip.end_time, clip.file_size, clip.loudness, clip.render_options]);
  let hash = 5381;
  for (let i = 0; i < key.length; i++) hash = ((hash * 33) ^ key.charCodeAt(i)) >>> 0;
  return `${url.split("#")[0]}#v=${hash.toString(36)}`;
}

/** "-14.1 LUFS"; "–" when the clip's audio was not measured. */
export function formatLufs(lufs: number | null | undefined): string {
  if (lufs === null || lufs === undefined || !Number.isFinite(lufs)) return "–";
  return `${lufs.toFixed(1)} LUFS`;
}

// ---------------------------------------------------------------------------------------------
// Shot timeline

export interface ShotSegment {
  start: number;
  end: number;
  layout: ShotLayout;
  /** Position along the clip, in % of its duration. */
  left: number;
  width: number;
}

/** One segment per shot, ordered and clamped to [0, duration]; empty shots are dropped. */
export function shotSegments(shots: readonly Shot[], duration: number): ShotSegment[] {
  if (!(duration > 0)) return [];
  const clamp = (t: number) => Math.min(Math.max(t, 0), duration);
  return [...shots]
    .sort((a, b) => a.start - b.start)
    .map((s) => ({ start: clamp(s.start), end: clamp(s.end), layout: s.layout }))
    .filter((s) => s.end > s.start)
    .map((s) => ({ ...s, left: (s.start / duration) * 100, width: ((s.end - s.start) / duration) * 100 }));
}

/** Seconds of the clip spent in each layout, e.g. {crop: 12.5, fit: 3}. */
export function layoutShare(segments: readonly ShotSegment[]): Partial<Record<ShotLayout, number>> {
  const out: Partial<Record<ShotLayout, number>> = {};
  for (const s of segments) out[s.layout] = (out[s.layout] ?? 0) + (s.end - s.start);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Trimming on the source timeline

/** Every transcript segment start and end inside [0, duration], sorted, without duplicates. */
export function snapPoints(segments: readonly { start: number; end: number }[], duration?: number | null): number[] {
  const limit = duration && duration > 0 ? duration : Infinity;
  const points = new Set<number>();
  for (const s of segments) {
    for (const t of [s.start, s.end]) if (Number.isFinite(t) && t >= 0 && t <= limit) points.add(Math.round(t * 1000) / 1000);
  }
  return [...points].sort((a, b) => a - b);
}

/** The boundary nearest to `t` (t itself when there are none). */
export function snapTime(t: number, points: readonly number[]): number {
  let best = t;
  let bestDistance = Infinity;
  for (const p of points) {
    const d = Math.abs(p - t);
    if (d < bestDistance) [best, bestDistance] = [p, d];
  }
  return best;
}

/** The next boundary after `t` (direction 1) or before it (-1); `t` when there is none. */
export function stepPoint(t: number, points: readonly number[], direction: 1 | -1): number {
  const eps = 1e-6;
  if (direction > 0) return points.find((p) => p > t + eps) ?? t;
  return [...points].reverse().find((p) => p < t - eps) ?? t;
}

/** The part of the source the trim bar shows: the clip and as much again on each side. */
export function trimWindow(start: number, end: number, sourceDuration: number | null | undefined): { from: number; to: number } {
  const pad = Math.max(10, end - start);
  const total = sourceDuration && sourceDuration > 0 ? sourceDuration : end + pad;
  return { from: Math.max(0, start - pad), to: Math.min(total, end + pad) };
}

/** The longest vertical or square clip (YouTube's Shorts limit). */
export const SHORTS_MAX_SECONDS = 180;

export interface TrimRange {
  start: number;
  end: number;
}

/**
 * Moves one end of the range to `t`, snapped to a boundary, keeping at least one boundary
 * step between the ends (a clip cannot be empty or inside out).
 */
export function moveTrim(range: TrimRange, edge: "start" | "end", t: number, points: readonly number[]): TrimRange {
  const snapped = snapTime(t, points);
  if (edge === "start") {
    const limit = stepPoint(range.end, points, -1);
    return { ...range, start: Math.min(snapped, limit < range.end ? limit : range.start) };
  }
  const limit = stepPoint(range.start, points, 1);
  return { ...range, end: Math.max(snapped, limit > range.start ? limit : range.end) };
}

/** Why a trimmed range cannot be rendered, or null when it can. */
export function trimProblem(range: TrimRange, format: Format | undefined): string | null {
  if (!(range.end > range.start)) return "The end must come after the start.";
  if (format !== "original" && range.end - range.start > SHORTS_MAX_SECONDS)
    return `A Short is at most ${SHORTS_MAX_SECONDS} seconds; this range is ${Math.round(range.end - range.start)} s.`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// The re-render request

type Meta = typeof JOB_OPTION_FIELDS;
/** The render options: the job options the backend marks as such (its options.py, `x-render`). */
export type RenderField = { [K in keyof Meta]: Meta[K] extends { render: true } ? K : never }[keyof Meta];
export const RENDER_FIELDS = (Object.keys(JOB_OPTION_FIELDS) as (keyof Meta)[]).filter(
  (field): field is RenderField => (JOB_OPTION_FIELDS[field] as { render?: boolean }).render === true,
);

// The marked options, a clip's render_options and a re-render's fields must be the same set.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const renderFieldsMatchApi: Same<RenderField, keyof RenderOptions> = true;
const requestFieldsMatchApi: Same<RenderField, Exclude<keyof RenderRequest, "start_time" | "end_time" | "title">> = true;
void renderFieldsMatchApi;
void requestFieldsMatchApi;

/** The re-render form: the clip's range on the source and every render option's value. */
export type RenderDraft = { start_time: number; end_time: number } & RenderOptions;

type RenderSource = Pick<Clip, "start_time" | "end_time" | "render_options" | "format" | "caption_style">;

/** What a clip rendered before Shorts (no render_options) was made with, as far as it says;
 * any render option it cannot say anything about takes its default. */
function legacyOptions(clip: RenderSource): RenderOptions {
  const defaults = Object.fromEntries(RENDER_FIELDS.map((field) => [field, JOB_OPTION_FIELDS[field].default]));
  const format = clip.format ?? "original";
  return {
    ...defaults,
    format,
    resolution: format === "original" ? "original" : "1080p",
    layout: "auto",
    caption_style: clip.caption_style ?? "none",
    hook_title: false,
    loudness_target: null,
  } as RenderOptions;
}

/** The form's starting point: the clip's current range and the options it was rendered with. */
export function renderDraftFromClip(clip: RenderSource): RenderDraft {
  return { start_time: clip.start_time, end_time: clip.end_time, ...(clip.render_options ?? legacyOptions(clip)) };
}

const near = (a: number, b: number) => Math.abs(a - b) < 1e-3;

/**
 * Only what the user changed: an unchanged option is left to the server (which keeps the clip's
 * own), so a re-render never silently pins a default the user did not choose.
 */
export function renderPayload(clip: RenderSource, draft: RenderDraft): RenderRequest {
  const base = renderDraftFromClip(clip);
  const body: RenderRequest = {};
  if (!near(draft.start_time, base.start_time)) body.start_time = draft.start_time;
  if (!near(draft.end_time, base.end_time)) body.end_time = draft.end_time;
  for (const key of RENDER_FIELDS) if (draft[key] !== base[key]) Object.assign(body, { [key]: draft[key] });
  return body;
}

/** A readable name for each value of the render options (selects, labels). */
export const LAYOUT_LABELS: Record<RenderDraft["layout"], string> = {
  auto: "Auto (per shot)",
  crop: "Crop on the face",
  fit: "Fit over a blurred fill",
  split: "Split: two speakers",
};
export const CAPTION_LABELS: Record<RenderDraft["caption_style"], string> = {
  highlight: "Highlight the spoken word",
  bold: "Bold, 1–3 words at a time",
  clean: "Clean, one or two lines",
  none: "No captions",
};
export const FORMAT_LABELS: Record<RenderDraft["format"], string> = {
  vertical: "Vertical 9:16 (Shorts)",
  square: "Square 1:1",
  original: "Original aspect",
};
export const RESOLUTION_LABELS: Record<RenderDraft["resolution"], string> = {
  "1080p": "1080p",
  "720p": "720p",
  original: "The source's own size",
};

/** The resolution to pair with a newly chosen format (original size only exists for original). */
export function resolutionForFormat(format: RenderDraft["format"], current: RenderDraft["resolution"]): RenderDraft["resolution"] {
  if (format === "original") return current === "1080p" ? "original" : current;
  return current === "original" ? "1080p" : current;
}

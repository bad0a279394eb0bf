"use client";

import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Field, FormError } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import { useQuery } from "@/hooks/use-query";
import { api, ApiError, errorMessage, isRendering, type Clip, type RenderRequest, type TranscriptSegment } from "@/lib/api";
import { optionMeta } from "@/lib/options";
import {
  CAPTION_LABELS,
  FORMAT_LABELS,
  LAYOUT_LABELS,
  RENDER_FIELDS,
  RESOLUTION_LABELS,
  renderDraftFromClip,
  renderPayload,
  resolutionForFormat,
  snapPoints,
  trimProblem,
  type RenderDraft,
  type RenderField,
} from "@/lib/shorts";
import { TrimBar } from "./trim-bar";

export interface RenderPanelProps {
  clip: Clip;
  /** The accepted request's clip (render_status "rendering"). */
  onRendering: (clip: Clip) => void;
  /** Injected in tests; by default the job and its transcript are fetched. */
  source?: { duration: number | null; segments: readonly Pick<TranscriptSegment, "start" | "end">[] };
  render?: (id: string, body: RenderRequest) => Promise<Clip>;
}

function useSource(clip: Clip, given: RenderPanelProps["source"]) {
  const job = useQuery(given ? null : `render-job-${clip.job_id}`, () => api.jobs.get(clip.job_id));
  const transcript = useQuery(given ? null : `render-transcript-${clip.job_id}`, () => api.jobs.transcript(clip.job_id));
  if (given) return { ...given, loading: false };
  return {
    duration: job.data?.video_duration ?? null,
    segments: transcript.data?.segments ?? [],
    loading: transcript.loading || job.loading,
  };
}

function options<K extends string>(labels: Record<K, string>, disabled: (k: K) => boolean = () => false) {
  return (Object.keys(labels) as K[]).map((k) => (
    <option key={k} value={k} disabled={disabled(k)}>
      {labels[k]}
    </option>
  ));
}

// The render options drawn with their own widget below; any other (a new one on the backend) gets
// the default widget of its type from ExtraRenderOption.
const CUSTOM: readonly RenderField[] = ["layout", "caption_style", "format", "resolution", "loudness_target", "hook_title"];
const EXTRA = RENDER_FIELDS.filter((field) => !CUSTOM.includes(field));

/** The default widget of a render option by its type: checkbox, select of its values, or number. */
function ExtraRenderOption({ field, value, id, onChange }: { field: RenderField; value: unknown; id: string; onChange: (value: unknown) => void }) {
  const meta = optionMeta(field);
  if (meta.type === "boolean")
    return (
      <label className="flex items-center gap-2 text-sm">
        <input id={id} type="checkbox" className="size-4 accent-accent-600" checked={Boolean(value)} onChange={(e) => onChange(e.target.checked)} />
        {meta.title}
      </label>
    );
  if (meta.enum)
    return (
      <Field id={id} label={meta.title} hint={meta.description}>
        <Select id={id} value={String(value ?? "")} onChange={(e) => onChange(e.target.value)}>
          {meta.enum.map(String).map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </Select>
      </Field>
    );
  return (
    <Field id={id} label={meta.title} hint={meta.description}>
      <Input
        id={id}
        type="number"
        min={meta.minimum}
        max={meta.maximum}
        value={value === null || value === undefined ? "" : String(value)}
        onChange={(e) => {
          const text = e.target.value.trim();
          if (text === "" && meta.nullable) onChange(null);
          else if (text !== "" && Number.isFinite(Number(text))) onChange(Number(text));
        }}
      />
    </Field>
  );
}

/** Trim on the source, layout, captions, hook and loudness of one clip, then re-render it. */
export function RenderPanel({ clip, onRendering, source: given, render = api.clips.render }: RenderPanelProps) {
  const [draft, setDraft] = useState<RenderDraft>(() => renderDraftFromClip(clip));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The number as typed: a half-typed "-1" must not be replaced while the user is typing.
  const [lufsText, setLufsText] = useState(String(draft.loudness_target ?? -14));
  const source = useSource(clip, given);
  const points = snapPoints(source.segments, source.duration);
  const rendering = isRendering(clip);
  const range = { start: draft.start_time, end: draft.end_time };
  const problem = trimProblem(range, draft.format);
  const body = renderPayload(clip, draft);
  const unchanged = Object.keys(body).length === 0;
  const set = <K extends keyof RenderDraft>(key: K, value: RenderDraft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const id = (f: string) => `render-${clip.id}-${f}`;

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (problem) return setError(problem);
    setBusy(true);
    setError(null);
    try {
      onRendering(await render(clip.id, body));
    } catch (err) {
      // A 400 names the refused fields (e.g. end_time); show them with the message.
      const fields = err instanceof ApiError ? err.unclaimedFieldErrors([]) : [];
      setError([errorMessage(err), ...fields].join(" "));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label={`Re-render ${clip.title}`} data-testid="render-panel">
      <h4 className="text-sm font-semibold">Trim and re-render</h4>
      {clip.render_status === "failed" && clip.render_error && (
        <p role="alert" className="rounded-md bg-red-50 p-2 text-sm text-red-800" data-testid="render-error">
          The last render failed: {clip.render_error}
        </p>
      )}
      <FormError messages={error ? [error] : []} />
      {source.loading ? (
        <p className="text-xs text-zinc-500">Loading the transcript…</p>
      ) : (
        <TrimBar
          value={range}
          original={{ start: clip.start_time, end: clip.end_time }}
          points={points}
          sourceDuration={source.duration}
          disabled={rendering}
          onChange={(r) => setDraft((d) => ({ ...d, start_time: r.start, end_time: r.end }))}
        />
      )}
      <div className="grid gap-3 sm:grid-cols-2">
        <Field id={id("layout")} label="Layout">
          <Select id={id("layout")} value={draft.layout} onChange={(e) => set("layout", e.target.value as RenderDraft["layout"])}>
            {options(LAYOUT_LABELS)}
          </Select>
        </Field>
        <Field id={id("caption_style")} label="Caption style">
          <Select id={id("caption_style")} value={draft.caption_style} onChange={(e) => set("caption_style", e.target.value as RenderDraft["caption_style"])}>
            {options(CAPTION_LABELS)}
          </Select>
        </Field>
        <Field id={id("format")} label="Format">
          <Select
            id={id("format")}
            value={draft.format}
            onChange={(e) => {
              const format = e.target.value as RenderDraft["format"];
              setDraft((d) => ({ ...d, format, resolution: resolutionForFormat(format, d.resolution) }));
            }}
          >
            {options(FORMAT_LABELS)}
          </Select>
        </Field>
        <Field id={id("resolution")} label="Resolution">
          <Select id={id("resolution")} value={draft.resolution} onChange={(e) => set("resolution", e.target.value as RenderDraft["resolution"])}>
            {options(RESOLUTION_LABELS, (r) => r === "original" && draft.format !== "original")}
          </Select>
        </Field>
        <Field id={id("loudness")} label="Loudness target (LUFS)" hint={draft.loudness_target === null ? "Audio left as it is." : "YouTube plays at about -14."}>
          <Input
            id={id("loudness")}
            type="number"
            step={0.5}
            min={-40}
            max={-5}
            disabled={draft.loudness_target === null}
            value={draft.loudness_target === null ? "" : lufsText}
            onChange={(e) => {
              setLufsText(e.target.value);
              if (e.target.value.trim() !== "" && Number.isFinite(Number(e.target.value))) set("loudness_target", Number(e.target.value));
            }}
          />
        </Field>
        <div className="flex flex-col justify-center gap-2 pt-5 text-sm">
          <label className="flex items-center gap-2">
            <input type="checkbox" className="size-4 accent-accent-600" checked={draft.loudness_target === null} onChange={(e) => set("loudness_target", e.target.checked ? null : Number(lufsText) || -14)} />
            Leave the audio as it is
          </label>
          <label className="flex items-center gap-2">
            <input type="checkbox" className="size-4 accent-accent-600" checked={draft.hook_title} onChange={(e) => set("hook_title", e.target.checked)} />
            Title over the first seconds
          </label>
        </div>
        {EXTRA.map((field) => (
          <ExtraRenderOption key={field} field={field} value={draft[field]} id={id(field)} onChange={(value) => setDraft((d) => ({ ...d, [field]: value }))} />
        ))}
      </div>
      <div className="flex items-center justify-end gap-2">
        {rendering && (
          <span className="text-sm text-accent-700" role="status" data-testid="render-status">
            Rendering…
          </span>
        )}
        <Button variant="secondary" size="sm" onClick={() => {
            setDraft(renderDraftFromClip(clip));
            setLufsText(String(clip.render_options?.loudness_target ?? -14));
          }} disabled={busy || rendering || unchanged}>
          Reset
        </Button>
        <Button type="submit" size="sm" busy={busy} disabled={rendering || unchanged || !!problem}>
          Re-render
        </Button>
      </div>
    </form>
  );
}

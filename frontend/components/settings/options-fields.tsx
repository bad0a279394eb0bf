"use client";

import { describedBy, Field } from "@/components/ui/field";
import { Input, Select, Textarea } from "@/components/ui/input";
import type { CriteriaSummary } from "@/lib/api";
import { OFF, OPTION_FIELDS, optionMeta, type OptionErrors, type OptionField, type OptionsDraft } from "@/lib/options";
import { CAPTION_LABELS, FORMAT_LABELS, LAYOUT_LABELS, RESOLUTION_LABELS, resolutionForFormat, type RenderDraft } from "@/lib/shorts";

const LANGUAGES: [string, string][] = [
  ["auto", "Detect automatically"],
  ["en", "English"],
  ["es", "Spanish"],
  ["fr", "French"],
  ["de", "German"],
  ["it", "Italian"],
  ["pt", "Portuguese"],
  ["nl", "Dutch"],
  ["ja", "Japanese"],
  ["zh", "Chinese"],
];

export interface OptionsFieldsProps {
  draft: OptionsDraft;
  onChange: (draft: OptionsDraft) => void;
  errors: OptionErrors;
  criteria: CriteriaSummary[] | undefined;
  criteriaError?: string;
  idPrefix?: string;
}

/** The job options form controls, shared by the settings page and the new-job form. */
// The options drawn with their own widget below; any other option (a new one on the backend)
// gets the default widget of its type from GenericOption.
const CUSTOM: readonly OptionField[] = [
  "min_clip_duration",
  "max_clip_duration",
  "max_clips",
  "language",
  "criteria",
  "prompt",
  "min_score",
  "whisper_model",
  "use_source_captions",
  "format",
  "resolution",
  "layout",
  "caption_style",
  "hook_title",
  "loudness_target",
];

/** min/max/step/maxLength attributes of a field, from the backend's bounds. */
function bounds(field: OptionField) {
  const m = optionMeta(field);
  return m.type === "string"
    ? { maxLength: m.maxLength, minLength: m.minLength }
    : { min: m.minimum, max: m.maximum, step: m.type === "integer" ? 1 : undefined };
}

export function OptionsFields({ draft, onChange, errors, criteria, criteriaError, idPrefix = "opt" }: OptionsFieldsProps) {
  const set = <K extends keyof OptionsDraft>(key: K, value: OptionsDraft[K]) => onChange({ ...draft, [key]: value });
  const id = (name: string) => `${idPrefix}-${name}`;
  const languages = LANGUAGES.some(([code]) => code === draft.language) ? LANGUAGES : [...LANGUAGES, [draft.language, draft.language] as [string, string]];

  const toggleCriterion = (name: string, on: boolean) =>
    set("criteria", on ? [...draft.criteria, name] : draft.criteria.filter((c) => c !== name));

  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <Field id={id("min_clip_duration")} label="Shortest clip (seconds)" error={errors.min_clip_duration}>
        <Input
          {...describedBy(id("min_clip_duration"), errors.min_clip_duration)}
          type="number"
          inputMode="decimal"
          {...bounds("min_clip_duration")}
          value={draft.min_clip_duration}
          onChange={(e) => set("min_clip_duration", e.target.value)}
        />
      </Field>
      <Field id={id("max_clip_duration")} label="Longest clip (seconds)" error={errors.max_clip_duration}>
        <Input
          {...describedBy(id("max_clip_duration"), errors.max_clip_duration)}
          type="number"
          inputMode="decimal"
          {...bounds("max_clip_duration")}
          value={draft.max_clip_duration}
          onChange={(e) => set("max_clip_duration", e.target.value)}
        />
      </Field>
      <Field id={id("max_clips")} label="Maximum clips" error={errors.max_clips}>
        <Input
          {...describedBy(id("max_clips"), errors.max_clips)}
          type="number"
          inputMode="numeric"
          {...bounds("max_clips")}
          value={draft.max_clips}
          onChange={(e) => set("max_clips", e.target.value)}
        />
      </Field>
      <Field id={id("language")} label="Spoken language" error={errors.language}>
        <Select {...describedBy(id("language"), errors.language)} value={draft.language} onChange={(e) => set("language", e.target.value)}>
          {languages.map(([code, label]) => (
            <option key={code} value={code}>
              {label}
            </option>
          ))}
        </Select>
      </Field>
      <fieldset className="sm:col-span-2" aria-describedby={errors.criteria ? id("criteria-error") : undefined}>
        <legend className="text-sm font-medium">Criteria</legend>
        <p className="text-xs text-zinc-500">What makes a moment worth clipping. None selected: the server&apos;s defaults.</p>
        {criteriaError ? (
          <p className="mt-2 text-sm text-red-700">Could not load criteria: {criteriaError}</p>
        ) : !criteria ? (
          <p className="mt-2 text-sm text-zinc-500">Loading criteria…</p>
        ) : criteria.length === 0 ? (
          <p className="mt-2 text-sm text-zinc-500">No criteria are defined on the server.</p>
        ) : (
          <div className="mt-2 flex flex-wrap gap-2">
            {criteria.map((c) => {
              const checked = draft.criteria.includes(c.name);
              return (
                <label
                  key={c.name}
                  className="flex cursor-pointer items-center gap-2 rounded-full border border-zinc-300 px-3 py-1 text-sm has-checked:border-accent-600 has-checked:bg-accent-50 has-focus-visible:outline-2 has-focus-visible:outline-accent-600"
                >
                  <input
                    type="checkbox"
                    className="accent-accent-600"
                    checked={checked}
                    onChange={(e) => toggleCriterion(c.name, e.target.checked)}
                  />
                  {c.title || c.name}
                </label>
              );
            })}
          </div>
        )}
        {errors.criteria && (
          <p id={id("criteria-error")} data-testid={`${id("criteria")}-error`} className="mt-1 text-xs font-medium text-red-600">
            {errors.criteria}
          </p>
        )}
      </fieldset>
      <Field
        id={id("prompt")}
        label="Steering prompt (optional)"
        error={errors.prompt}
        hint='E.g. "moments about pricing" or "funny stories".'
        className="sm:col-span-2"
      >
        <Textarea
          {...describedBy(id("prompt"), errors.prompt, "hint")}
          rows={2}
          {...bounds("prompt")}
          value={draft.prompt}
          onChange={(e) => set("prompt", e.target.value)}
        />
      </Field>
          <Field id={id("min_score")} label="Minimum score (0–1)" error={errors.min_score}>
            <Input
              {...describedBy(id("min_score"), errors.min_score)}
              type="number"
              inputMode="decimal"
              {...bounds("min_score")}
              step={0.05}
              value={draft.min_score}
              onChange={(e) => set("min_score", e.target.value)}
            />
          </Field>
          <Field id={id("whisper_model")} label="Whisper model" error={errors.whisper_model} hint="Blank: the server's model.">
            <Input
              {...describedBy(id("whisper_model"), errors.whisper_model, "hint")}
              placeholder="base"
              {...bounds("whisper_model")}
              value={draft.whisper_model}
              onChange={(e) => set("whisper_model", e.target.value)}
            />
          </Field>
          <div className="flex items-center gap-2 sm:col-span-2">
            <input
              id={id("use_source_captions")}
              type="checkbox"
              className="size-4 accent-accent-600"
              checked={draft.use_source_captions}
              onChange={(e) => set("use_source_captions", e.target.checked)}
            />
            <label htmlFor={id("use_source_captions")} className="text-sm">
              Use the source&apos;s own captions when present (faster than transcribing)
            </label>
            {errors.use_source_captions && <p className="text-xs text-red-600">{errors.use_source_captions}</p>}
          </div>
      <ShortsOptions draft={draft} onChange={onChange} errors={errors} id={id} />
      {OPTION_FIELDS.filter((f) => !CUSTOM.includes(f)).map((field) => (
        <GenericOption key={field} field={field} draft={draft} onChange={onChange} error={errors[field]} id={id(field)} />
      ))}
    </div>
  );
}

/** The default widget of an option by its type: number, checkbox, text, or a comma-separated list. */
function GenericOption({ field, draft, onChange, error, id }: { field: OptionField; draft: OptionsDraft; onChange: (d: OptionsDraft) => void; error?: string; id: string }) {
  const meta = optionMeta(field);
  const value = draft[field] as unknown;
  const set = (v: unknown) => onChange({ ...draft, [field]: v } as OptionsDraft);
  if (meta.type === "boolean")
    return (
      <div className="flex items-center gap-2 sm:col-span-2">
        <input id={id} type="checkbox" className="size-4 accent-accent-600" checked={Boolean(value)} onChange={(e) => set(e.target.checked)} />
        <label htmlFor={id} className="text-sm">
          {meta.title}
          {meta.description && <span className="text-zinc-600"> ({meta.description})</span>}
        </label>
        {error && <p className="text-xs text-red-600">{error}</p>}
      </div>
    );
  if (meta.type === "string" && meta.enum)
    return (
      <Field id={id} label={meta.title} error={error} hint={meta.description}>
        <Select {...describedBy(id, error, meta.description ? "hint" : undefined)} value={String(value ?? "")} onChange={(e) => set(e.target.value)}>
          {choices({}, meta.enum)}
        </Select>
      </Field>
    );
  const numeric = meta.type === "number" || meta.type === "integer";
  return (
    <Field id={id} label={meta.title} error={error} hint={meta.description}>
      <Input
        {...describedBy(id, error, meta.description ? "hint" : undefined)}
        {...(numeric ? { type: "number", inputMode: meta.type === "integer" ? "numeric" : "decimal" } : {})}
        {...bounds(field)}
        value={Array.isArray(value) ? value.join(",") : String(value ?? "")}
        onChange={(e) =>
          set(meta.type === "array" ? e.target.value.split(",") : e.target.value)
        }
      />
    </Field>
  );
}

function choices(labels: Record<string, string>, values: readonly unknown[] | undefined, disabled?: (v: string) => boolean) {
  // The backend's enum decides what can be chosen; the labels only name the values.
  return (values ?? Object.keys(labels)).map(String).map((v) => (
    <option key={v} value={v} disabled={disabled?.(v)}>
      {labels[v] ?? v}
    </option>
  ));
}

/** How the clips are rendered as Shorts (CONTRACTS §9): format, size, layout, captions, hook, loudness. */
function ShortsOptions({ draft, onChange, errors, id }: { draft: OptionsDraft; onChange: (d: OptionsDraft) => void; errors: OptionErrors; id: (name: string) => string }) {
  const set = <K extends keyof OptionsDraft>(key: K, value: OptionsDraft[K]) => onChange({ ...draft, [key]: value });
  const loudnessOff = draft.loudness_target === OFF;
  const lufsDefault = String(optionMeta("loudness_target").default ?? -14);
  const select = (field: "layout" | "caption_style", label: string, labels: Record<string, string>) => (
    <Field id={id(field)} label={label} error={errors[field]}>
      <Select {...describedBy(id(field), errors[field])} value={draft[field]} onChange={(e) => set(field, e.target.value)}>
        {choices(labels, optionMeta(field).enum)}
      </Select>
    </Field>
  );

  return (
    <fieldset className="border-t border-zinc-200 pt-4 sm:col-span-2" data-testid={id("shorts")}>
      <legend className="text-sm font-semibold">Shorts rendering</legend>
      <p className="mb-3 text-xs text-zinc-500">How each clip is cut for YouTube Shorts: one encode with captions, hook title and loudness.</p>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id={id("format")} label="Format" error={errors.format}>
          <Select
            {...describedBy(id("format"), errors.format)}
            value={draft.format}
            onChange={(e) =>
              onChange({ ...draft, format: e.target.value, resolution: resolutionForFormat(e.target.value as RenderDraft["format"], draft.resolution as RenderDraft["resolution"]) })
            }
          >
            {choices(FORMAT_LABELS, optionMeta("format").enum)}
          </Select>
        </Field>
        <Field id={id("resolution")} label="Resolution" error={errors.resolution}>
          <Select {...describedBy(id("resolution"), errors.resolution)} value={draft.resolution} onChange={(e) => set("resolution", e.target.value)}>
            {/* Unset: the server picks (1080p; the source's own size for the original format). */}
          <option value="">Automatic for the format</option>
          {choices(RESOLUTION_LABELS, optionMeta("resolution").enum, (v) => v === "original" && draft.format !== "original")}
          </Select>
        </Field>
        {select("layout", "Layout", LAYOUT_LABELS)}
        {select("caption_style", "Caption style", CAPTION_LABELS)}
        <Field
          id={id("loudness_target")}
          label="Loudness target (LUFS)"
          error={errors.loudness_target}
          hint={loudnessOff ? "Audio left as it is." : "YouTube plays at about -14 LUFS."}
        >
          <Input
            {...describedBy(id("loudness_target"), errors.loudness_target, "hint")}
            type="number"
            inputMode="decimal"
            step={0.5}
            {...bounds("loudness_target")}
            disabled={loudnessOff}
            value={loudnessOff ? "" : draft.loudness_target}
            placeholder={lufsDefault}
            onChange={(e) => set("loudness_target", e.target.value)}
          />
        </Field>
        <div className="flex flex-col justify-center gap-2 text-sm">
          <label className="flex items-center gap-2">
            <input
              type="checkbox"
              className="size-4 accent-accent-600"
              checked={loudnessOff}
              onChange={(e) => set("loudness_target", e.target.checked ? OFF : lufsDefault)}
            />
            Leave the audio as it is (no loudness normalisation)
          </label>
          <label className="flex items-center gap-2">
            <input id={id("hook_title")} type="checkbox" className="size-4 accent-accent-600" checked={draft.hook_title} onChange={(e) => set("hook_title", e.target.checked)} />
            Show the clip&apos;s title over its first seconds (hook)
          </label>
          {errors.hook_title && <p className="text-xs text-red-600">{errors.hook_title}</p>}
        </div>
      </div>
    </fieldset>
  );
}

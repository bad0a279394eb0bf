import type { JobOptions, Settings } from "./api";

/** Job options as edited in a form: numbers stay text until validated. */
export interface OptionsDraft {
  language: string;
  whisper_model: string;
  use_source_captions: boolean;
  criteria: string[];
  prompt: string;
  min_clip_duration: string;
  max_clip_duration: string;
  max_clips: string;
  min_score: string;
}

export type OptionField = keyof OptionsDraft;
export const OPTION_FIELDS: readonly OptionField[] = [
  "language",
  "whisper_model",
  "use_source_captions",
  "criteria",
  "prompt",
  "min_clip_duration",
  "max_clip_duration",
  "max_clips",
  "min_score",
];
export type OptionErrors = Partial<Record<OptionField, string>>;

const text = (v: unknown) => (v === undefined || v === null ? "" : String(v));

export function draftFromOptions(o: Settings | JobOptions | undefined): OptionsDraft {
  return {
    language: text(o?.language) || "auto",
    whisper_model: text(o?.whisper_model),
    use_source_captions: o?.use_source_captions ?? true,
    criteria: [...(o?.criteria ?? [])],
    prompt: text(o?.prompt),
    min_clip_duration: text(o?.min_clip_duration),
    max_clip_duration: text(o?.max_clip_duration),
    max_clips: text(o?.max_clips),
    min_score: text(o?.min_score),
  };
}

function parseNumber(raw: string, field: OptionField, errors: OptionErrors, check: (n: number) => string | null) {
  if (raw.trim() === "") return undefined;
  const n = Number(raw);
  const problem = Number.isFinite(n) ? check(n) : "Enter a number.";
  if (problem) errors[field] = problem;
  return problem ? undefined : n;
}

/** Validates a draft; `options` holds only the fields the user filled in. */
export function optionsFromDraft(d: OptionsDraft): { options: JobOptions; errors: OptionErrors } {
  const errors: OptionErrors = {};
  const min = parseNumber(d.min_clip_duration, "min_clip_duration", errors, (n) =>
    n >= 3 && n <= 600 ? null : "Between 3 and 600 seconds.",
  );
  const max = parseNumber(d.max_clip_duration, "max_clip_duration", errors, (n) =>
    n >= 3 && n <= 600 ? null : "Between 3 and 600 seconds.",
  );
  if (min !== undefined && max !== undefined && max < min) errors.max_clip_duration = "Must be at least the minimum length.";
  const maxClips = parseNumber(d.max_clips, "max_clips", errors, (n) =>
    Number.isInteger(n) && n >= 1 && n <= 50 ? null : "A whole number from 1 to 50.",
  );
  const minScore = parseNumber(d.min_score, "min_score", errors, (n) => (n >= 0 && n <= 1 ? null : "Between 0 and 1."));
  const language = d.language.trim();
  if (language && !/^(auto|[a-z]{2,3}(-[A-Za-z]{2,4})?)$/.test(language)) errors.language = 'Use "auto" or a language code like "en".';

  const options: JobOptions = {};
  if (language) options.language = language;
  if (d.whisper_model.trim()) options.whisper_model = d.whisper_model.trim();
  options.use_source_captions = d.use_source_captions;
  options.criteria = d.criteria;
  if (d.prompt.trim()) options.prompt = d.prompt.trim();
  if (min !== undefined) options.min_clip_duration = min;
  if (max !== undefined) options.max_clip_duration = max;
  if (maxClips !== undefined) options.max_clips = maxClips;
  if (minScore !== undefined) options.min_score = minScore;
  return { options, errors };
}

/** The envelope's `fields` that belong to option controls. */
export function optionErrorsFrom(err: { fieldError(name: string): string | undefined }): OptionErrors {
  const errors: OptionErrors = {};
  for (const field of OPTION_FIELDS) {
    const msg = err.fieldError(field);
    if (msg) errors[field] = msg;
  }
  return errors;
}

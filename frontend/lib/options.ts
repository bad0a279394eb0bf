/**
 * Job options as a form edits them. The field list, types and bounds come from the backend's
 * JobOptionsIn schema through the generated lib/api-meta.ts: a new backend option reaches the
 * types, the validation and the form (a default widget per type) by `npm run gen:api`.
 */
import type { JobOptions, Settings } from "./api";
import { JOB_OPTION_FIELDS } from "./api-meta";

type Meta = typeof JOB_OPTION_FIELDS;
export type OptionField = keyof Meta;

/** What the generated metadata may say about a field (each field uses some of it). */
export interface OptionMeta {
  type: "string" | "number" | "integer" | "boolean" | "array";
  title: string;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  maxItems?: number;
  enum?: readonly unknown[];
  /** null is a value of the option (e.g. loudness off), not just "not given". */
  nullable?: boolean;
}

/** The draft of a nullable number set to null ("leave as it is"). */
export const OFF = "off";

type DraftOf<M> = M extends { type: "boolean" } ? boolean : M extends { type: "array" } ? string[] : string;
/** Numbers stay text until validated; lists are lists of strings. */
export type OptionsDraft = { [K in OptionField]: DraftOf<Meta[K]> };

// The generated fields and the API's request type must name the same options.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const fieldsMatchApi: Same<OptionField, keyof JobOptions> = true;
void fieldsMatchApi;

// Options edited as one form field each. An object option (`publish`: which clips go to YouTube
// after rendering) is not a settings field: sending it as text would be a 400.
export const OPTION_FIELDS = (Object.keys(JOB_OPTION_FIELDS) as OptionField[]).filter(
  (field) => (JOB_OPTION_FIELDS[field] as { type?: string }).type !== "object",
);
export type OptionErrors = Partial<Record<OptionField, string>>;

export function optionMeta(field: OptionField): OptionMeta {
  return JOB_OPTION_FIELDS[field] as OptionMeta;
}

const text = (v: unknown) => (v === undefined || v === null ? "" : String(v));

export function draftFromOptions(o: Settings | JobOptions | undefined): OptionsDraft {
  const draft: Record<string, unknown> = {};
  for (const field of OPTION_FIELDS) {
    const meta = optionMeta(field);
    const value: unknown = o?.[field];
    // A checkbox or a select has no "unset" state, so those take the server's default; numbers
    // left blank stay blank (unset → the user's settings, then the server's).
    if (meta.type === "boolean") draft[field] = Boolean(value ?? meta.default ?? false);
    else if (meta.type === "array") draft[field] = Array.isArray(value) ? value.map(String) : [];
    else if (meta.type === "string") draft[field] = text(value ?? meta.default);
    else if (meta.nullable && value === null) draft[field] = OFF;
    else draft[field] = text(value);
  }
  return draft as OptionsDraft;
}

/** "Between 3 and 600 seconds." from the field's bounds and unit (its description). */
function rangeMessage(meta: OptionMeta): string {
  const unit = meta.description && /^[a-z]+$/.test(meta.description) ? ` ${meta.description}` : "";
  const { minimum: lo, maximum: hi } = meta;
  if (meta.type === "integer") {
    if (lo !== undefined && hi !== undefined) return `A whole number from ${lo} to ${hi}.`;
    return lo !== undefined ? `A whole number of at least ${lo}.` : `A whole number of at most ${hi}.`;
  }
  if (lo !== undefined && hi !== undefined) return `Between ${lo} and ${hi}${unit}.`;
  return lo !== undefined ? `At least ${lo}${unit}.` : `At most ${hi}${unit}.`;
}

function checkNumber(n: number, meta: OptionMeta): string | null {
  if (meta.type === "integer" && !Number.isInteger(n)) return rangeMessage(meta);
  const tooLow = (meta.minimum !== undefined && n < meta.minimum) || (meta.exclusiveMinimum !== undefined && n <= meta.exclusiveMinimum);
  const tooHigh = (meta.maximum !== undefined && n > meta.maximum) || (meta.exclusiveMaximum !== undefined && n >= meta.exclusiveMaximum);
  return tooLow || tooHigh ? rangeMessage(meta) : null;
}

function checkString(value: string, meta: OptionMeta): string | null {
  if (meta.minLength !== undefined && value.length < meta.minLength) return `At least ${meta.minLength} characters.`;
  if (meta.maxLength !== undefined && value.length > meta.maxLength) return `At most ${meta.maxLength} characters.`;
  if (meta.enum && !meta.enum.includes(value)) return `One of: ${meta.enum.join(", ")}.`;
  if (meta.pattern && !new RegExp(meta.pattern).test(value))
    return meta.description ? `Use ${meta.description}.` : `Not a valid ${meta.title.toLowerCase()}.`;
  return null;
}

/** One field's value to send (undefined: not filled in) or its error. */
function parseField(meta: OptionMeta, raw: unknown): { value?: unknown; error?: string } {
  if (meta.type === "boolean") return { value: Boolean(raw) };
  if (meta.type === "array") {
    // A typed list ("a, b,") is split on commas as entered; blanks are dropped here.
    const list = (raw as string[]).map((x) => x.trim()).filter(Boolean);
    return meta.maxItems !== undefined && list.length > meta.maxItems ? { error: `At most ${meta.maxItems}.` } : { value: list };
  }
  const trimmed = String(raw).trim();
  if (trimmed === "") return {};
  if (meta.nullable && trimmed === OFF) return { value: null };
  if (meta.type === "string") {
    const error = checkString(trimmed, meta);
    return error ? { error } : { value: trimmed };
  }
  const n = Number(trimmed);
  const error = Number.isFinite(n) ? checkNumber(n, meta) : "Enter a number.";
  return error ? { error } : { value: n };
}

/** Validates a draft; `options` holds only the fields the user filled in. */
export function optionsFromDraft(d: OptionsDraft): { options: JobOptions; errors: OptionErrors } {
  const errors: OptionErrors = {};
  const options: Record<string, unknown> = {};
  for (const field of OPTION_FIELDS) {
    const { value, error } = parseField(optionMeta(field), d[field]);
    if (error) errors[field] = error;
    else if (value !== undefined) options[field] = value;
  }
  // A relation between two fields, which no single field's bounds express.
  const { min_clip_duration: min, max_clip_duration: max } = options as JobOptions;
  if (min !== undefined && max !== undefined && max < min && !errors.max_clip_duration)
    errors.max_clip_duration = "Must be at least the minimum length.";
  const { format, resolution } = options as JobOptions;
  if (resolution === "original" && format !== undefined && format !== "original" && !errors.resolution)
    errors.resolution = "The source's own size is only for the original format.";
  return { options: options as JobOptions, errors };
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

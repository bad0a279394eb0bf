/**
 * YouTube publishing logic of the dashboard (CONTRACTS.md §10), kept out of the components so
 * it can be tested alone: the schedule's time-zone conversion, the publish form's payload and
 * rules, the re-link banner's condition and the publications list's live reducer.
 */
import { ApiError, type Clip, type JobOptions, type Publication, type PrivacyStatus, type PublishRequest, type YouTubeStatus } from "./api";
import type { components } from "./api-types";

export type PublicationProgressEvent = components["schemas"]["PublicationProgress"];

/** The settings a server needs before YouTube works, as named in the "not configured" help. */
export const YOUTUBE_SETTINGS = [
  { name: "GOOGLE_CLIENT_ID", help: "the OAuth client id from the Google Cloud console" },
  { name: "GOOGLE_CLIENT_SECRET", help: "its secret — or GOOGLE_CLIENT_SECRETS_FILE, the JSON the console downloads" },
  { name: "TOKEN_ENCRYPTION_KEY", help: "one or more comma-separated Fernet keys that encrypt the stored tokens" },
] as const;

export const PRIVACY_LABELS: Record<PrivacyStatus, string> = {
  private: "Private",
  unlisted: "Unlisted",
  public: "Public",
};

/** YouTube's limit on titles (the server cuts longer ones; the form says so first). */
export const TITLE_MAX = 100;
const ACTIVE: readonly string[] = ["queued", "uploading", "processing"];
const FINAL: readonly string[] = ["published", "failed", "cancelled"];

/** Without a Google client the status read answers `configured: false`; every other YouTube
 * endpoint answers 503 youtube_not_configured. */
export function isNotConfigured(status: YouTubeStatus | undefined, error: unknown): boolean {
  if (error instanceof ApiError && error.code === "youtube_not_configured") return true;
  return status !== undefined && !status.configured;
}

/** The layout's banner: a linked channel that Google stopped accepting (invalid_grant). */
export function showRelinkBanner(status: YouTubeStatus | undefined): boolean {
  return !!status && status.configured && status.needs_relink;
}

// ---------------------------------------------------------------------------------------------
// Schedule: <input type="datetime-local"> speaks the user's wall clock; the API speaks UTC.

const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** "2026-12-24T18:30" in the browser's time zone → "2026-12-24T17:30:00.000Z" (for UTC+1); null if invalid. */
export function localInputToUtcIso(value: string): string | null {
  const m = LOCAL_INPUT.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  // Built from parts, not parsed: the local-time reading of a bare date-time string varies.
  const date = new Date(y, mo - 1, d, h, mi, s);
  // new Date rolls 2026-02-31 over to March; a date that rolled over was not a real one.
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return null;
  return date.toISOString();
}

/** The inverse, for prefilling the input from a stored publish_at. */
export function utcIsoToLocalInput(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}:${p(date.getMinutes())}`;
}

// ---------------------------------------------------------------------------------------------
// The publish form

export interface PublishDraft {
  title: string;
  description: string;
  /** As typed: comma-separated, "#" optional. */
  tags: string;
  privacy_status: PrivacyStatus;
  /** Empty: publish now; else a datetime-local value in the user's time zone. */
  schedule: string;
  made_for_kids: boolean;
  confirm_rights: boolean;
  force: boolean;
}

export type PublishField = "title" | "description" | "tags" | "privacy_status" | "publish_at";
export const PUBLISH_FIELDS: readonly PublishField[] = ["title", "description", "tags", "privacy_status", "publish_at"];

export function publishDraftFromClip(clip: Pick<Clip, "title" | "description" | "tags">): PublishDraft {
  return {
    title: (clip.title ?? "").slice(0, TITLE_MAX),
    description: clip.description ?? "",
    tags: (clip.tags ?? []).join(", "),
    privacy_status: "private",
    schedule: "",
    made_for_kids: false,
    confirm_rights: false,
    force: false,
  };
}

/** "#a, b ,, a" → ["a", "b"]. */
export function parseTags(text: string): string[] {
  const tags = text
    .split(",")
    .map((t) => t.trim().replace(/^#+/, "").trim())
    .filter(Boolean);
  return [...new Set(tags)];
}

/** The form's own checks, by field; `now` injected for tests. */
export function publishProblems(draft: PublishDraft, now: Date = new Date()): Partial<Record<PublishField, string>> {
  const problems: Partial<Record<PublishField, string>> = {};
  if (!draft.title.trim()) problems.title = "A title is required.";
  else if (draft.title.length > TITLE_MAX) problems.title = `At most ${TITLE_MAX} characters (YouTube's limit).`;
  if (/[<>]/.test(draft.title) || /[<>]/.test(draft.description)) {
    problems[/[<>]/.test(draft.title) ? "title" : "description"] = "YouTube does not accept < or >.";
  }
  const schedule = scheduleProblem(draft.schedule, draft.privacy_status, now);
  if (schedule) problems.publish_at = schedule;
  return problems;
}

/** What is wrong with a schedule (local date-time input), if anything: YouTube's rules. */
function scheduleProblem(schedule: string, privacy: string, now: Date): string | undefined {
  if (!schedule) return undefined;
  const iso = localInputToUtcIso(schedule);
  if (!iso) return "Not a valid date and time.";
  if (privacy !== "private") return "A scheduled video must be private until it goes live (YouTube's rule).";
  if (new Date(iso).getTime() <= now.getTime()) return "Pick a time in the future.";
  return undefined;
}

/** The request body: only the flags that are on, publish_at as UTC ISO. */
export function publishPayload(draft: PublishDraft): PublishRequest {
  const body: PublishRequest = {
    title: draft.title.trim(),
    description: draft.description,
    tags: parseTags(draft.tags),
    privacy_status: draft.privacy_status,
    made_for_kids: draft.made_for_kids,
  };
  const publishAt = draft.schedule ? localInputToUtcIso(draft.schedule) : null;
  if (publishAt) body.publish_at = publishAt;
  if (draft.confirm_rights) body.confirm_rights = true;
  if (draft.force) body.force = true;
  return body;
}

/** What a 409 asks of the user before publishing again: confirm the rights, or force a duplicate. */
export function publishFollowUp(err: unknown): "confirm_rights" | "force" | null {
  if (!(err instanceof ApiError) || err.status !== 409) return null;
  if (err.code === "rights_confirmation_required") return "confirm_rights";
  if (err.code === "already_published") return "force";
  return null;
}

// ---------------------------------------------------------------------------------------------
// The publications list, kept live by socket events

export type PublicationAction =
  | { type: "progress"; event: PublicationProgressEvent }
  | { type: "updated"; publication: Publication };

/**
 * Applies one live event. `publication_updated` carries the whole row and wins; a progress
 * event only moves an active row (it is throttled, so one may arrive after the final update).
 * A new publication is put first: the list is newest first.
 */
export function applyPublicationEvent(items: readonly Publication[], action: PublicationAction): Publication[] {
  if (action.type === "updated") {
    const pub = action.publication;
    const at = items.findIndex((p) => p.id === pub.id);
    if (at === -1) return [pub, ...items];
    return items.map((p, i) => (i === at ? pub : p));
  }
  const { publication_id, status, progress } = action.event;
  return items.map((p) => {
    if (p.id !== publication_id || FINAL.includes(p.status)) return p;
    // Within one status progress only grows: a late, throttled value must not pull the bar back.
    const next = p.status === status ? Math.max(p.progress, progress) : progress;
    return { ...p, status, progress: next };
  });
}

export function isActivePublication(pub: Pick<Publication, "status">): boolean {
  return ACTIVE.includes(pub.status);
}

/** Cancel is offered while the upload has not reached YouTube's processing. */
export function canCancel(pub: Pick<Publication, "status">): boolean {
  return pub.status === "queued" || pub.status === "uploading";
}

// ---------------------------------------------------------------------------------------------
// The new-job form's "publish when done" section: the job option `publish` (CONTRACTS §10)

export type AutoPublishOption = NonNullable<JobOptions["publish"]>;
export type AutoPublishField = "publish_top" | "publish_at";

export interface AutoPublishDraft {
  enabled: boolean;
  privacy_status: PrivacyStatus;
  /** As typed; validated against 1..max_clips. */
  top: string;
  /** Empty: publish when rendered; else a datetime-local value in the user's time zone. */
  schedule: string;
}

/** The backend's own bound on `top`, used when the form's maximum clips is not a number yet. */
export const TOP_MAX = 50;

export const AUTO_PUBLISH_OFF: AutoPublishDraft = { enabled: false, privacy_status: "private", top: "1", schedule: "" };

/** Offered only with a linked channel that still works: publishing otherwise fails the job's upload. */
export function canAutoPublish(status: YouTubeStatus | undefined): boolean {
  return !!status && status.configured && status.connected && !status.needs_relink;
}

/** The section's checks; nothing while it is unchecked. `maxClips` is the form's own (parsed) maximum. */
export function autoPublishProblems(
  draft: AutoPublishDraft,
  maxClips: number | undefined,
  now: Date = new Date(),
): Partial<Record<AutoPublishField, string>> {
  const problems: Partial<Record<AutoPublishField, string>> = {};
  if (!draft.enabled) return problems;
  const top = Number(draft.top.trim());
  const limit = maxClips ?? TOP_MAX;
  if (!draft.top.trim() || !Number.isInteger(top) || top < 1 || top > limit)
    problems.publish_top = `A whole number from 1 to ${limit} (the job's maximum clips).`;
  const schedule = scheduleProblem(draft.schedule, draft.privacy_status, now);
  if (schedule) problems.publish_at = schedule;
  return problems;
}

/** The option to send: an object, or undefined (unchecked: the key is left out, never sent as text). */
export function autoPublishOption(draft: AutoPublishDraft): AutoPublishOption | undefined {
  if (!draft.enabled) return undefined;
  const option: AutoPublishOption = { privacy_status: draft.privacy_status, top: Number(draft.top.trim()) };
  const publishAt = draft.schedule ? localInputToUtcIso(draft.schedule) : null;
  if (publishAt) option.publish_at = publishAt;
  return option;
}

// ---------------------------------------------------------------------------------------------
// What is left of today's YouTube quota

export type YouTubeQuota = NonNullable<YouTubeStatus["quota"]>;

/** How many more uploads today's quota allows: the tighter of the two documented limits. */
export function uploadsLeftToday(quota: YouTubeQuota): number {
  return Math.min(Math.floor(quota.units_left / Math.max(1, quota.upload_units)), quota.uploads_left);
}

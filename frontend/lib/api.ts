/**
 * The one typed client for the backend's REST API (CONTRACTS.md §1–5).
 *
 * Types are derived from the generated OpenAPI `paths` (lib/api-types.ts) by path and method,
 * not by schema name, so regenerating from the backend keeps this module compiling as long as
 * the backend keeps the contract's routes — and fails to compile when a shape drifts.
 */
import type { components, paths } from "./api-types";
import { ENUMS } from "@/lib/api-meta";

// ---------------------------------------------------------------------------------------------
// Types derived from the OpenAPI document

type Method = "get" | "post" | "put" | "patch" | "delete";
type JsonContent<R> = R extends { content: { "application/json": infer T } } ? T : never;
type ResponseFor<O, C extends number> = O extends { responses: { [K in C]: infer R } } ? JsonContent<R> : never;
type OperationOf<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
/** The JSON body of a 200/201 answer of `M P`. */
export type OkBody<P extends keyof paths, M extends Method> =
  | ResponseFor<OperationOf<P, M>, 200>
  | ResponseFor<OperationOf<P, M>, 201>;
/** The JSON request body of `M P`. */
export type JsonBody<P extends keyof paths, M extends Method> =
  OperationOf<P, M> extends { requestBody?: { content: { "application/json": infer B } } } ? B : never;

/** A route with one path parameter, whatever the backend names it ({id}, {job_id}, ...). */
type Param = `{${string}}`;
type JobPath = Extract<keyof paths, `/api/v1/jobs/${Param}`>;
type JobEventsPath = Extract<keyof paths, `/api/v1/jobs/${Param}/events`>;
type JobTranscriptPath = Extract<keyof paths, `/api/v1/jobs/${Param}/transcript`>;
type ClipPath = Extract<keyof paths, `/api/v1/clips/${Param}`>;
type ClipRenderPath = Extract<keyof paths, `/api/v1/clips/${Param}/render`>;
type ClipPublishPath = Extract<keyof paths, `/api/v1/clips/${Param}/publish`>;
type CriteriaPath = Extract<keyof paths, `/api/v1/criteria/${Param}`>;
type CriteriaRevisionsPath = Extract<keyof paths, `/api/v1/criteria/${Param}/revisions`>;

export type User = OkBody<"/api/v1/auth/me", "get">["user"];
export type MeResponse = OkBody<"/api/v1/auth/me", "get">;
export type JobList = OkBody<"/api/v1/jobs", "get">;
export type Job = JobList["items"][number];
export type JobDetail = OkBody<JobPath, "get">;
export type Clip = NonNullable<JobDetail["clips"]>[number];
export type ClipList = OkBody<"/api/v1/clips", "get">;
export type ClipUpdate = JsonBody<ClipPath, "patch">;
/** POST /clips/{id}/render: new times (snapped by the server) and render options; all optional. */
export type RenderRequest = JsonBody<ClipRenderPath, "post">;
export type Shot = NonNullable<Clip["shots"]>[number];
/** What the clip's files were rendered with; null for clips rendered before Shorts. */
export type RenderOptions = NonNullable<Clip["render_options"]>;
export type RenderStatus = NonNullable<Clip["render_status"]>;
/** A re-render waiting behind the user's other work, or running: the clip is busy either way. */
export const isRendering = (clip: Pick<Clip, "render_status">): boolean =>
  clip.render_status === "queued" || clip.render_status === "rendering";
export type JobEvent = OkBody<JobEventsPath, "get">[number];
export type Transcript = OkBody<JobTranscriptPath, "get">;
export type TranscriptSegment = Transcript["segments"][number];
export type Settings = OkBody<"/api/v1/settings", "get">;
type OptionsBody = JsonBody<"/api/v1/settings", "put">;
/** Options whose resolved value may be null (e.g. loudness_target: leave the audio as it is). */
type NullValued = { [K in keyof Settings & keyof OptionsBody]: null extends Settings[K] ? K : never }[keyof Settings & keyof OptionsBody];
/** Job options as sent: every field optional (unset → the user's settings, then the server's). */
export type JobOptions = { [K in keyof OptionsBody]?: K extends NullValued ? OptionsBody[K] : NonNullable<OptionsBody[K]> };
export type CreateJobRequest = JsonBody<"/api/v1/jobs", "post">;
export type CriteriaSummary = OkBody<"/api/v1/criteria", "get">[number];
export type Criteria = OkBody<CriteriaPath, "get">;
export type CriteriaRevision = OkBody<CriteriaRevisionsPath, "get">[number];
export type YouTubeStatus = components["schemas"]["YouTubeStatus"];
export type Publication = components["schemas"]["PublicationOut"];
export type PublicationList = components["schemas"]["PublicationList"];
export type PublicationStatus = Publication["status"];
/** GET /publications/{id}/stats: every statistics reading kept, oldest first. */
export type StatsHistory = components["schemas"]["StatsHistory"];
export type StatsPoint = components["schemas"]["StatsPoint"];
export type PrivacyStatus = Publication["privacy_status"];
/** POST /clips/{id}/publish; 202 with the queued Publication. */
export type PublishRequest = JsonBody<ClipPublishPath, "post">;
export type JobStatus = Job["status"];
export type JobStage = NonNullable<Job["stage"]>;

/** The backend's enums (lib/api-meta.ts, generated): never a hand-written list. */
export const JOB_STATUSES: readonly JobStatus[] = ENUMS.JobStatus;
export const TERMINAL_STATUSES: readonly string[] = ["completed", "failed", "cancelled"] satisfies JobStatus[];
export type JobEventType = JobEvent["type"];

// ---------------------------------------------------------------------------------------------
// Errors

export type FieldErrors = Record<string, string[]>;

/** Any failed call: the contract's error envelope, or a transport failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: FieldErrors;

  constructor(status: number, code: string, message: string, fields: FieldErrors = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields;
  }

  /** The messages for a form field; the backend may name nested options `options.x`. */
  fieldError(name: string): string | undefined {
    const direct = this.fields[name] ?? this.fields[`options.${name}`];
    return direct && direct.length > 0 ? direct.join(" ") : undefined;
  }

  /** Field messages that no form control claims, shown with the form's main error. */
  unclaimedFieldErrors(known: readonly string[]): string[] {
    const claimed = new Set(known.flatMap((k) => [k, `options.${k}`]));
    return Object.entries(this.fields)
      .filter(([key]) => !claimed.has(key))
      .map(([key, msgs]) => `${key}: ${msgs.join(" ")}`);
  }
}

/** A message fit for a person, whatever was thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return "Something went wrong.";
}

async function toApiError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; fields?: unknown } };
    const err = body.error;
    if (err && typeof err.code === "string" && typeof err.message === "string") {
      return new ApiError(res.status, err.code, err.message, normalizeFields(err.fields));
    }
  } catch {
    // Not the envelope (a proxy's HTML page, an empty body): fall through to a generic error.
  }
  const message = res.status >= 500 ? `The server failed (${res.status}). Try again shortly.` : `Request failed (${res.status}).`;
  return new ApiError(res.status, "http_error", message);
}

function normalizeFields(raw: unknown): FieldErrors {
  if (!raw || typeof raw !== "object") return {};
  const out: FieldErrors = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    out[key] = Array.isArray(value) ? value.map(String) : [String(value)];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Transport

export const CSRF_ACCESS_COOKIE = "csrf_access_token";
export const CSRF_REFRESH_COOKIE = "csrf_refresh_token";
export const CSRF_HEADER = "X-CSRF-TOKEN";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function readBrowserCookie(name: string): string | undefined {
  if (typeof document === "undefined") return undefined;
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return undefined;
}

export interface ApiClientConfig {
  /** "" in the browser: the dashboard proxies /api to the backend, so calls are same-origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  readCookie?: (name: string) => string | undefined;
  /** Called once a request stays 401 after a refresh attempt. */
  onSessionExpired?: () => void;
  XMLHttpRequest?: typeof XMLHttpRequest;
}

type Query = Record<string, string | number | boolean | null | undefined>;

interface RequestOptions {
  query?: Query;
  json?: unknown;
  /** Auth endpoints answer 401 for bad credentials; refreshing would be wrong there. */
  noRefresh?: boolean;
}

export interface UploadProgress {
  loaded: number;
  total: number;
  fraction: number;
}

export interface UploadOptions {
  onProgress?: (p: UploadProgress) => void;
  signal?: AbortSignal;
}

function buildQuery(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

const enc = encodeURIComponent;

export function createApiClient(config: ApiClientConfig = {}) {
  const baseUrl = (config.baseUrl ?? "").replace(/\/+$/, "");
  const doFetch = config.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const readCookie = config.readCookie ?? readBrowserCookie;
  let refreshing: Promise<boolean> | null = null;
  let generation = 0;

  const url = (path: string, query?: Query) => `${baseUrl}${path}${buildQuery(query)}`;

  function csrfHeaders(method: string, cookie = CSRF_ACCESS_COOKIE): Record<string, string> {
    if (SAFE_METHODS.has(method)) return {};
    const token = readCookie(cookie);
    return token ? { [CSRF_HEADER]: token } : {};
  }

  async function send(method: string, path: string, opts: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json", ...csrfHeaders(method) };
    let body: BodyInit | undefined;
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.json);
    }
    try {
      return await doFetch(url(path, opts.query), { method, headers, body, credentials: "include" });
    } catch {
      throw new ApiError(0, "network_error", "Cannot reach the server. Check your connection and try again.");
    }
  }

  /**
   * One refresh at a time: concurrent 401s (and the socket's renewal) wait for the same attempt.
   * Sending a second refresh with the same token would look like a stolen token to the server
   * (it rotates refresh tokens and revokes the session when a retired one is presented).
   * `sentAt`: the generation a failed request was sent in; if a refresh finished since, that
   * request only needs a retry, not another refresh.
   */
  function refreshSession(sentAt?: number): Promise<boolean> {
    if (sentAt !== undefined && sentAt !== generation) return Promise.resolve(true);
    refreshing ??= (async () => {
      try {
        const res = await doFetch(url("/api/v1/auth/refresh"), {
          method: "POST",
          headers: { Accept: "application/json", ...csrfHeaders("POST", CSRF_REFRESH_COOKIE) },
          credentials: "include",
        });
        if (res.ok) generation += 1;
        return res.ok;
      } catch {
        return false;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  async function request<T>(method: Method, path: string, opts: RequestOptions = {}): Promise<T> {
    const verb = method.toUpperCase();
    const sentAt = generation;
    let res = await send(verb, path, opts);
    if (res.status === 401 && !opts.noRefresh) {
      if (await refreshSession(sentAt)) res = await send(verb, path, opts);
      if (res.status === 401) config.onSessionExpired?.();
    }
    if (!res.ok) throw await toApiError(res);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  function xhrOnce(path: string, form: FormData, opts: UploadOptions): Promise<{ status: number; text: string }> {
    const Xhr = config.XMLHttpRequest ?? globalThis.XMLHttpRequest;
    return new Promise((resolve, reject) => {
      const xhr = new Xhr();
      xhr.open("POST", url(path));
      xhr.withCredentials = true;
      xhr.setRequestHeader("Accept", "application/json");
      for (const [k, v] of Object.entries(csrfHeaders("POST"))) xhr.setRequestHeader(k, v);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) opts.onProgress?.({ loaded: e.loaded, total: e.total, fraction: e.loaded / e.total });
      };
      xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
      xhr.onerror = () => reject(new ApiError(0, "network_error", "The upload was interrupted. Try again."));
      xhr.onabort = () => reject(new ApiError(0, "aborted", "Upload cancelled."));
      opts.signal?.addEventListener("abort", () => xhr.abort(), { once: true });
      xhr.send(form);
    });
  }

  /** Multipart POST through XMLHttpRequest, because fetch cannot report upload progress. */
  async function upload<T>(path: string, form: FormData, opts: UploadOptions = {}): Promise<T> {
    const sentAt = generation;
    let res = await xhrOnce(path, form, opts);
    if (res.status === 401) {
      if (await refreshSession(sentAt)) res = await xhrOnce(path, form, opts);
      if (res.status === 401) config.onSessionExpired?.();
    }
    if (res.status < 200 || res.status >= 300) {
      throw await toApiError(new Response(res.text || null, { status: res.status }));
    }
    return JSON.parse(res.text) as T;
  }

  return {
    request,
    refreshSession: () => refreshSession(),
    /** What the client does when a session cannot be renewed (the dashboard: the login page). */
    sessionExpired: () => config.onSessionExpired?.(),
    auth: {
      register: (body: JsonBody<"/api/v1/auth/register", "post">) =>
        request<OkBody<"/api/v1/auth/register", "post">>("post", "/api/v1/auth/register", { json: body, noRefresh: true }),
      login: (body: JsonBody<"/api/v1/auth/login", "post">) =>
        request<OkBody<"/api/v1/auth/login", "post">>("post", "/api/v1/auth/login", { json: body, noRefresh: true }),
      logout: () => request<void>("post", "/api/v1/auth/logout", { noRefresh: true }),
      /** Ends every session of the user, this one included. */
      logoutAll: () => request<void>("post", "/api/v1/auth/logout-all"),
      /** 400 `invalid_current_password` (fields.current_password) when the current one is wrong. */
      changePassword: (body: JsonBody<"/api/v1/auth/password", "post">) =>
        request<void>("post", "/api/v1/auth/password", { json: body }),
      me: () => request<MeResponse>("get", "/api/v1/auth/me"),
    },
    jobs: {
      list: (query: { status?: string; limit?: number; offset?: number } = {}) =>
        request<JobList>("get", "/api/v1/jobs", { query }),
      get: (id: string) => request<JobDetail>("get", `/api/v1/jobs/${enc(id)}`),
      createFromUrl: (body: CreateJobRequest) => request<Job>("post", "/api/v1/jobs", { json: body }),
      createFromUpload: (
        input: { file: File | Blob; captions?: File | Blob | null; options?: JobOptions; priority?: number },
        opts?: UploadOptions,
      ) => {
        const form = new FormData();
        form.append("file", input.file);
        if (input.captions) form.append("captions", input.captions);
        if (input.options) form.append("options", JSON.stringify(input.options));
        if (input.priority !== undefined) form.append("priority", String(input.priority));
        return upload<Job>("/api/v1/jobs", form, opts);
      },
      cancel: (id: string, reason?: string) =>
        request<Job>("post", `/api/v1/jobs/${enc(id)}/cancel`, { json: reason ? { reason } : {} }),
      retry: (id: string, force = false) =>
        request<Job>("post", `/api/v1/jobs/${enc(id)}/retry`, { json: force ? { force } : {} }),
      remove: (id: string) => request<void>("delete", `/api/v1/jobs/${enc(id)}`),
      events: (id: string) => request<JobEvent[]>("get", `/api/v1/jobs/${enc(id)}/events`),
      transcript: (id: string) => request<Transcript>("get", `/api/v1/jobs/${enc(id)}/transcript`),
    },
    clips: {
      list: (query: { job_id?: string; limit?: number; offset?: number } = {}) =>
        request<ClipList>("get", "/api/v1/clips", { query }),
      get: (id: string) => request<Clip>("get", `/api/v1/clips/${enc(id)}`),
      update: (id: string, body: ClipUpdate) => request<Clip>("patch", `/api/v1/clips/${enc(id)}`, { json: body }),
      /** 202 with render_status "rendering"; 409 while the job runs or the clip is already rendering. */
      render: (id: string, body: RenderRequest) =>
        request<Clip>("post", `/api/v1/clips/${enc(id)}/render`, { json: body }),
      remove: (id: string) => request<void>("delete", `/api/v1/clips/${enc(id)}`),
    },
    youtube: {
      /** 503 `youtube_not_configured` when the server has no Google client. */
      status: () => request<YouTubeStatus>("get", "/api/v1/youtube"),
      connect: () => request<{ authorization_url: string }>("post", "/api/v1/youtube/connect"),
      /** 400 for a missing, expired, reused or another user's state. */
      callback: (body: { code: string; state: string }) =>
        request<YouTubeStatus>("post", "/api/v1/youtube/callback", { json: body }),
      unlink: () => request<void>("delete", "/api/v1/youtube"),
    },
    publications: {
      list: (query: { clip_id?: string; status?: string; limit?: number; offset?: number } = {}) =>
        request<PublicationList>("get", "/api/v1/publications", { query }),
      get: (id: string) => request<Publication>("get", `/api/v1/publications/${enc(id)}`),
      /** 409 rights_confirmation_required / already_published / youtube_not_connected. */
      publish: (clipId: string, body: PublishRequest) =>
        request<Publication>("post", `/api/v1/clips/${enc(clipId)}/publish`, { json: body }),
      retry: (id: string) => request<Publication>("post", `/api/v1/publications/${enc(id)}/retry`),
      cancel: (id: string) => request<void>("delete", `/api/v1/publications/${enc(id)}`),
      refreshStats: (id: string) => request<Publication>("post", `/api/v1/publications/${enc(id)}/refresh-stats`),
      statsHistory: (id: string) => request<StatsHistory>("get", `/api/v1/publications/${enc(id)}/stats`),
    },
    settings: {
      get: () => request<Settings>("get", "/api/v1/settings"),
      put: (body: JobOptions) => request<Settings>("put", "/api/v1/settings", { json: body }),
    },
    criteria: {
      list: () => request<CriteriaSummary[]>("get", "/api/v1/criteria"),
      get: (name: string) => request<Criteria>("get", `/api/v1/criteria/${enc(name)}`),
      builtin: (name: string) =>
        request<Criteria>("get", `/api/v1/criteria/${enc(name)}`, { query: { source: "builtin" } }),
      save: (name: string, body: JsonBody<CriteriaPath, "put">) =>
        request<Criteria>("put", `/api/v1/criteria/${enc(name)}`, { json: body }),
      revisions: (name: string) => request<CriteriaRevision[]>("get", `/api/v1/criteria/${enc(name)}/revisions`),
      revert: (name: string) => request<void>("delete", `/api/v1/criteria/${enc(name)}`),
    },
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** Media links, for <video>, <img> and downloads (cookies authenticate them). */
export const mediaUrls = {
  video: (clip: Pick<Clip, "id" | "assets">) => clip.assets?.video_url || `/api/v1/clips/${enc(clip.id)}/video`,
  download: (clip: Pick<Clip, "id" | "assets">) => `${mediaUrls.video(clip)}?download=1`,
  thumbnail: (clip: Pick<Clip, "id" | "assets">) =>
    clip.assets?.thumbnail_url || `/api/v1/clips/${enc(clip.id)}/thumbnail`,
  vtt: (clip: Pick<Clip, "id" | "assets">) =>
    clip.assets?.captions_vtt_url || `/api/v1/clips/${enc(clip.id)}/captions.vtt`,
  srt: (clip: Pick<Clip, "id" | "assets">) =>
    clip.assets?.captions_srt_url || `/api/v1/clips/${enc(clip.id)}/captions.srt`,
};

function redirectToLogin(): void {
  if (typeof window === "undefined") return;
  const { pathname, search } = window.location;
  if (pathname === "/login" || pathname === "/register") return;
  // A full page load on purpose: it drops every piece of the expired session's client state.
  // eslint-disable-next-line @next/next/no-location-assign-relative-destination
  window.location.assign(`/login?next=${encodeURIComponent(pathname + search)}`);
}

/** The dashboard's client: same-origin calls, login page when the session cannot be renewed. */
export const api = createApiClient({ onSessionExpired: redirectToLogin });

/**
 * The one Socket.IO connection of the dashboard (CONTRACTS.md §7).
 *
 * Same origin as the pages (Next proxies /socket.io to the backend), so the session cookie
 * authenticates it. Live views subscribe through hooks/use-live-connection.ts.
 */
import { io, type Socket } from "socket.io-client";
import type { Job, JobDetail, JobStage, JobStatus } from "./api";

export interface JobProgressEvent {
  job_id: string;
  status: JobStatus;
  stage: JobStage | null;
  progress: number;
  message?: string | null;
  timestamp?: string;
}

export interface ServerToClientEvents {
  job_status_changed: (job: Job) => void;
  job_progress: (event: JobProgressEvent) => void;
  job_completed: (job: JobDetail) => void;
  job_failed: (job: Job) => void;
}

export type LiveSocket = Socket<ServerToClientEvents, Record<string, never>>;

export const JOB_EVENTS = ["job_status_changed", "job_progress", "job_completed", "job_failed"] as const;

/** url undefined → the page's own origin. */
export function createLiveSocket(url?: string): LiveSocket {
  const options = { path: "/socket.io", withCredentials: true, reconnectionDelayMax: 10_000 };
  return url ? io(url, options) : io(options);
}

let shared: LiveSocket | null = null;

export function getLiveSocket(): LiveSocket {
  shared ??= createLiveSocket();
  return shared;
}

/** The shared socket if one was opened, without opening it (safe during server rendering). */
export function peekLiveSocket(): LiveSocket | null {
  return shared;
}

/** On logout: the next session must connect with its own cookie. */
export function closeLiveSocket(): void {
  shared?.disconnect();
  shared = null;
}

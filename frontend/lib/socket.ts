/**
 * The one Socket.IO connection of the dashboard (CONTRACTS.md §7).
 *
 * Same origin as the pages (Next proxies /socket.io to the backend), so the session cookie
 * authenticates it. Live views subscribe through hooks/use-live-connection.ts. Event names and
 * payloads come from the OpenAPI document's `SocketEvents` schema (field = event, type = payload).
 */
import { io, type Socket } from "socket.io-client";
import { api } from "./api";
import type { components } from "./api-types";

export type SocketEvents = components["schemas"]["SocketEvents"];
export type SocketEventName = keyof SocketEvents;
export type JobProgressEvent = SocketEvents["job_progress"];

export type ServerToClientEvents = { [E in SocketEventName]: (payload: SocketEvents[E]) => void };

export type LiveSocket = Socket<ServerToClientEvents, Record<string, never>>;

// A Record so that an event added to SocketEvents fails to compile until it is listed here.
const EVENT_SET: Record<SocketEventName, true> = {
  job_status_changed: true,
  job_progress: true,
  job_completed: true,
  job_failed: true,
  publication_progress: true,
  publication_updated: true,
  clip_updated: true,
};
export const SOCKET_EVENTS = Object.keys(EVENT_SET) as SocketEventName[];

export interface SessionHooks {
  /** Renews the tokens; resolves false when the session is over. Must share one in-flight attempt. */
  refresh: () => Promise<boolean>;
  /** The session cannot be renewed (e.g. go to the login page). */
  onExpired: () => void;
}

/**
 * The server closes a socket when its access token expires or its session is revoked, and
 * socket.io-client does not reconnect after such an "io server disconnect": renew the tokens
 * and reconnect, or give up on the session. Returns the unsubscribe function.
 */
export function keepSocketSession(socket: LiveSocket, hooks: SessionHooks): () => void {
  const onDisconnect = (reason: Socket.DisconnectReason) => {
    if (reason !== "io server disconnect") return;
    void hooks.refresh().then(
      (ok) => (ok ? socket.connect() : hooks.onExpired()),
      () => hooks.onExpired(),
    );
  };
  socket.on("disconnect", onDisconnect);
  return () => socket.off("disconnect", onDisconnect);
}

/** url undefined → the page's own origin; `session` → renew and reconnect when the server closes it. */
export function createLiveSocket(url?: string, session?: SessionHooks): LiveSocket {
  const options = { path: "/socket.io", withCredentials: true, reconnectionDelayMax: 10_000 };
  const socket: LiveSocket = url ? io(url, options) : io(options);
  if (session) keepSocketSession(socket, session);
  return socket;
}

let shared: LiveSocket | null = null;

export function getLiveSocket(): LiveSocket {
  // The REST client's refresh: a socket renewal and a 401 at the same moment share one request.
  shared ??= createLiveSocket(undefined, { refresh: () => api.refreshSession(), onExpired: api.sessionExpired });
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

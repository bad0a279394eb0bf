import { Server as SocketServer } from "socket.io";
import { afterEach, describe, expect, it } from "vitest";
import { createApiClient } from "@/lib/api";
import { createLiveSocket, type LiveSocket } from "@/lib/socket";
import { cookieJarFetch, parseCookies, sendJson, startServer } from "./helpers/server";

/**
 * A stand-in backend that rotates refresh tokens like the real one: a refresh retires the token
 * it was given, and presenting a retired token again revokes the session. REST answers 401 until
 * a refresh succeeded; the Socket.IO server can close its sockets like the token-expiry sweep.
 */
async function startBackend(opts: { refreshOk?: boolean } = {}) {
  const state = { refreshes: 0, reused: 0, connections: 0, access: "expired", current: "ref1", retired: new Set<string>() };
  const srv = await startServer((req, res) => {
    const cookies = parseCookies(req.headers.cookie);
    if (req.url === "/api/v1/auth/refresh") {
      state.refreshes += 1;
      const given = cookies.refresh_token_cookie ?? "";
      if (state.retired.has(given)) state.reused += 1;
      if (opts.refreshOk === false || given !== state.current)
        return sendJson(res, 401, { error: { code: "refresh_token_reused", message: "no" } });
      state.retired.add(given);
      state.current = `ref${state.refreshes + 1}`;
      state.access = `acc${state.refreshes}`;
      // Slow on purpose, so that concurrent callers overlap the one refresh in flight.
      setTimeout(
        () =>
          sendJson(res, 200, { access_token: state.access, refresh_token: state.current }, {
            "Set-Cookie": [`access_token_cookie=${state.access}; Path=/`, `refresh_token_cookie=${state.current}; Path=/`],
          }),
        60,
      );
      return;
    }
    if (cookies.access_token_cookie !== state.access) return sendJson(res, 401, { error: { code: "token_expired", message: "expired" } });
    sendJson(res, 200, { items: [], total: 0, limit: 20, offset: 0 });
  });
  const io = new SocketServer(srv.server, { path: "/socket.io" });
  io.on("connection", () => (state.connections += 1));
  const closeSockets = () => {
    for (const s of io.sockets.sockets.values()) s.disconnect(true);
  };
  return { ...srv, io, state, closeSockets, close: async () => (io.close(), await srv.close()) };
}

let backend: Awaited<ReturnType<typeof startBackend>> | undefined;
let socket: LiveSocket | undefined;

afterEach(async () => {
  socket?.disconnect();
  socket = undefined;
  await backend?.close();
  backend = undefined;
});

function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => (check() ? resolve() : Date.now() > deadline ? reject(new Error("timed out")) : setTimeout(tick, 10));
    tick();
  });
}

function clientFor(url: string) {
  const jar = cookieJarFetch();
  jar.jar.set("access_token_cookie", "old");
  jar.jar.set("refresh_token_cookie", "ref1");
  const expired: string[] = [];
  const api = createApiClient({ baseUrl: url, fetch: jar.fetch, readCookie: jar.readCookie, onSessionExpired: () => expired.push("rest") });
  socket = createLiveSocket(url, { refresh: () => api.refreshSession(), onExpired: () => expired.push("socket") });
  return { api, socket, expired, jar };
}

describe("the live socket's session", () => {
  it("renews the tokens and reconnects when the server closes the socket", async () => {
    backend = await startBackend();
    const { socket, expired, jar } = clientFor(backend.url);
    await until(() => socket.connected);

    backend.closeSockets();

    await until(() => backend!.state.connections === 2 && socket.connected);
    expect(backend.state.refreshes).toBe(1);
    expect(jar.jar.get("refresh_token_cookie")).toBe("ref2");
    expect(expired).toEqual([]);
  });

  it("sends one refresh when the socket and REST calls need one at the same moment", async () => {
    backend = await startBackend();
    const { api, socket, expired } = clientFor(backend.url);
    await until(() => socket.connected);

    backend.closeSockets();
    const lists = await Promise.all([api.jobs.list(), api.jobs.list(), api.jobs.list()]);

    await until(() => backend!.state.connections === 2 && socket.connected);
    expect(lists.map((l) => l.total)).toEqual([0, 0, 0]);
    expect(backend.state.refreshes).toBe(1);
    expect(backend.state.reused).toBe(0);
    expect(expired).toEqual([]);
    // A request that failed with the old token after the refresh finished retries without a second refresh.
    await api.jobs.list();
    expect(backend.state.refreshes).toBe(1);
  });

  it("gives up on the session when the refresh fails, without reconnecting", async () => {
    backend = await startBackend({ refreshOk: false });
    const { socket, expired } = clientFor(backend.url);
    await until(() => socket.connected);

    backend.closeSockets();

    await until(() => expired.includes("socket"));
    await new Promise((r) => setTimeout(r, 200));
    expect(socket.connected).toBe(false);
    expect(backend.state.connections).toBe(1);
  });
});

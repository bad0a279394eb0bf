import { act, renderHook, waitFor } from "@testing-library/react";
import { Server as SocketServer } from "socket.io";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useJobLive } from "@/hooks/use-job-live";
import { useJobsLive } from "@/hooks/use-jobs-live";
import { createApiClient } from "@/lib/api";
import { createLiveSocket, type LiveSocket } from "@/lib/socket";
import { makeClip, makeJob, sendJson, startServer } from "./helpers/server";

/** A small stand-in backend: REST for jobs plus a real Socket.IO server on the same port. */
async function startBackend() {
  const jobs = new Map<string, Record<string, unknown>>([["job-1", makeJob()]]);
  const hits: string[] = [];
  const srv = await startServer((req, res) => {
    const path = (req.url ?? "").split("?")[0]!;
    hits.push(path);
    if (path === "/api/v1/jobs") {
      const items = [...jobs.values()];
      return sendJson(res, 200, { items, total: items.length, limit: 20, offset: 0 });
    }
    const m = /^\/api\/v1\/jobs\/([^/]+)(\/events)?$/.exec(path);
    if (m && jobs.has(m[1]!)) {
      if (m[2]) return sendJson(res, 200, [{ id: `ev-${hits.length}`, job_id: m[1], type: "stage_started", status: null, stage: "x", progress: null, message: null, created_at: "2025-01-01T00:00:00Z" }]);
      return sendJson(res, 200, { clips: [], ...jobs.get(m[1]!) });
    }
    sendJson(res, 404, { error: { code: "not_found", message: "not found" } });
  });
  const io = new SocketServer(srv.server, { path: "/socket.io" });
  return {
    ...srv,
    io,
    jobs,
    hits,
    close: async () => {
      io.close();
      await srv.close();
    },
  };
}

type Backend = Awaited<ReturnType<typeof startBackend>>;
let backend: Backend;
let socket: LiveSocket | undefined;

beforeEach(async () => {
  backend = await startBackend();
});

afterEach(async () => {
  socket?.disconnect();
  socket = undefined;
  await backend.close();
});

function clientFor(url: string) {
  socket = createLiveSocket(url);
  return { socket, api: createApiClient({ baseUrl: url, readCookie: () => undefined }) };
}

describe("useJobsLive", () => {
  it("loads jobs over REST, then applies progress and new jobs from the socket", async () => {
    const { socket, api } = clientFor(backend.url);
    const { result } = renderHook(() => useJobsLive({}, { socket, api }));

    await waitFor(() => expect(result.current.mode).toBe("live"));
    await waitFor(() => expect(result.current.data?.items).toHaveLength(1));

    act(() => {
      backend.io.emit("job_progress", { job_id: "job-1", status: "processing", stage: "analyzing", progress: 65, message: null, timestamp: "t" });
    });
    await waitFor(() => expect(result.current.data?.items[0]).toMatchObject({ stage: "analyzing", progress: 65 }));

    const fresh = makeJob({ id: "job-2", status: "queued", stage: null, progress: 0 });
    backend.jobs.set("job-2", fresh);
    act(() => {
      backend.io.emit("job_status_changed", fresh);
    });
    await waitFor(() => expect(result.current.data?.items.map((j) => j.id)).toEqual(["job-1", "job-2"]));
  });

  it("catches up over REST after the socket reconnects", async () => {
    const { socket, api } = clientFor(backend.url);
    const { result } = renderHook(() => useJobsLive({}, { socket, api }));
    await waitFor(() => expect(result.current.mode).toBe("live"));
    await waitFor(() => expect(result.current.data?.items[0]?.status).toBe("processing"));

    // The job finishes while the connection is down: no event reaches the client.
    backend.jobs.set("job-1", makeJob({ status: "completed", stage: null, progress: 100 }));
    for (const s of await backend.io.fetchSockets()) (s as unknown as { conn: { close(): void } }).conn.close();

    await waitFor(() => expect(result.current.data?.items[0]?.status).toBe("completed"), { timeout: 8000 });
    expect(result.current.mode).toBe("live");
  });

  it("falls back to polling when the socket cannot connect", async () => {
    const api = createApiClient({ baseUrl: backend.url, readCookie: () => undefined });
    // A port where nothing listens: every connection attempt fails.
    const gone = await startServer(() => undefined);
    await gone.close();
    socket = createLiveSocket(gone.url);
    const deadSocket = socket;
    const { result } = renderHook(() => useJobsLive({}, { socket: deadSocket, api, pollMs: 200, connectGraceMs: 100 }));

    await waitFor(() => expect(result.current.mode).toBe("polling"));
    backend.jobs.set("job-1", makeJob({ progress: 55, stage: "analyzing" }));
    await waitFor(() => expect(result.current.data?.items[0]?.progress).toBe(55), { timeout: 3000 });
    expect(backend.hits.filter((h) => h === "/api/v1/jobs").length).toBeGreaterThanOrEqual(2);
  });
});

describe("useJobLive", () => {
  it("patches progress live and reloads the job with its clips when it completes", async () => {
    const { socket, api } = clientFor(backend.url);
    const { result } = renderHook(() => useJobLive("job-1", { socket, api }));
    await waitFor(() => expect(result.current.mode).toBe("live"));
    await waitFor(() => expect(result.current.job?.progress).toBe(30));
    expect(result.current.events).toHaveLength(1);

    act(() => {
      backend.io.emit("job_progress", { job_id: "other", status: "processing", stage: "rendering", progress: 90 });
      backend.io.emit("job_progress", { job_id: "job-1", status: "processing", stage: "transcribing", progress: 42 });
    });
    await waitFor(() => expect(result.current.job?.progress).toBe(42));

    const done = makeJob({ status: "completed", stage: null, progress: 100, clip_count: 1, clips: [makeClip()] });
    backend.jobs.set("job-1", done);
    act(() => {
      backend.io.emit("job_completed", done);
    });
    await waitFor(() => expect(result.current.job?.clips).toHaveLength(1));
    expect(result.current.job?.status).toBe("completed");
  });
});

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>;

/** A real HTTP server on a free local port; `handler` answers every request. */
export async function startServer(handler: Handler): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => void handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}) {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k) out[k] = v.join("=");
  }
  return out;
}

/**
 * fetch with a cookie jar, standing in for the browser: it stores Set-Cookie answers and sends
 * them back, and `readCookie` reads the jar the way the client reads document.cookie.
 */
export function cookieJarFetch() {
  const jar = new Map<string, string>();
  const jarFetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    if (jar.size) headers.set("Cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(input, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [k, ...v] = (pair ?? "").split("=");
      if (k) jar.set(k.trim(), v.join("="));
    }
    return res;
  };
  return { jar, fetch: jarFetch, readCookie: (name: string) => jar.get(name) };
}

export function makeJob(overrides: Record<string, unknown> = {}) {
  return {
    id: "job-1",
    source_url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    source_type: "youtube",
    video_title: "A talk",
    video_duration: 120,
    thumbnail_url: null,
    status: "processing",
    stage: "transcribing",
    progress: 30,
    priority: 5,
    options: {},
    error_message: null,
    created_at: "2025-01-01T00:00:00Z",
    updated_at: "2025-01-01T00:00:00Z",
    started_at: "2025-01-01T00:00:00Z",
    completed_at: null,
    clip_count: 0,
    ...overrides,
  };
}

export function makeClip(overrides: Record<string, unknown> = {}) {
  const id = (overrides.id as string) ?? "clip-1";
  return {
    id,
    job_id: "job-1",
    title: "A great moment",
    description: "",
    start_time: 10,
    end_time: 40,
    duration: 30,
    score: 0.8,
    reasoning: "strong hook",
    key_quote: "hello",
    criteria_matched: ["viral_hooks"],
    tags: [],
    transcript_segment: "hello",
    assets: {
      video_url: `/api/v1/clips/${id}/video`,
      thumbnail_url: `/api/v1/clips/${id}/thumbnail`,
      captions_vtt_url: `/api/v1/clips/${id}/captions.vtt`,
      captions_srt_url: `/api/v1/clips/${id}/captions.srt`,
    },
    width: 320,
    height: 180,
    file_size: 1000,
    created_at: "2025-01-01T00:00:00Z",
    ...overrides,
  };
}

// @vitest-environment node
import { afterEach, describe, expect, it } from "vitest";
import { ApiError, createApiClient } from "@/lib/api";
import { cookieJarFetch, makeJob, parseCookies, sendJson, startServer, type Handler } from "./helpers/server";

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function serve(handler: Handler) {
  const srv = await startServer(handler);
  stop = srv.close;
  return srv.url;
}

const loginCookies = [
  "access_token_cookie=acc1; HttpOnly; Path=/",
  "refresh_token_cookie=ref1; HttpOnly; Path=/",
  "csrf_access_token=csrf-a1; Path=/",
  "csrf_refresh_token=csrf-r1; Path=/",
];

describe("api client", () => {
  it("sends the CSRF cookie's value on mutating requests only", async () => {
    const seen: { method: string; csrf: string | undefined }[] = [];
    const url = await serve((req, res) => {
      seen.push({ method: req.method!, csrf: req.headers["x-csrf-token"] as string | undefined });
      if (req.url === "/api/v1/auth/login") return sendJson(res, 200, { user: { id: "u" }, access_token: "a", refresh_token: "r" }, { "Set-Cookie": loginCookies });
      if (req.url?.startsWith("/api/v1/jobs") && req.method === "GET") return sendJson(res, 200, { items: [], total: 0, limit: 20, offset: 0 });
      if (req.url === "/api/v1/jobs/j1/cancel") {
        const cookies = parseCookies(req.headers.cookie);
        if (req.headers["x-csrf-token"] !== cookies.csrf_access_token) return sendJson(res, 403, { error: { code: "csrf", message: "CSRF" } });
        return sendJson(res, 200, makeJob({ id: "j1", status: "cancelled" }));
      }
      sendJson(res, 404, { error: { code: "not_found", message: "nope" } });
    });
    const jar = cookieJarFetch();
    const api = createApiClient({ baseUrl: url, fetch: jar.fetch, readCookie: jar.readCookie });

    await api.auth.login({ email: "a@b.c", password: "secret123" });
    await api.jobs.list({ status: "queued", limit: 5 });
    const job = await api.jobs.cancel("j1");

    expect(job.status).toBe("cancelled");
    expect(seen.map((s) => [s.method, s.csrf])).toEqual([
      ["POST", undefined],
      ["GET", undefined],
      ["POST", "csrf-a1"],
    ]);
  });

  it("turns the error envelope into an ApiError with its fields", async () => {
    const url = await serve((_req, res) =>
      sendJson(res, 400, {
        error: {
          code: "validation_error",
          message: "Some options are invalid.",
          fields: { "options.max_clips": ["Must be at most 100."], source_url: ["Not a YouTube link."] },
        },
      }),
    );
    const api = createApiClient({ baseUrl: url, readCookie: () => undefined });

    const err = await api.jobs.createFromUrl({ source_url: "x" }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ApiError);
    const apiErr = err as ApiError;
    expect(apiErr.status).toBe(400);
    expect(apiErr.code).toBe("validation_error");
    expect(apiErr.message).toBe("Some options are invalid.");
    expect(apiErr.fieldError("max_clips")).toBe("Must be at most 100.");
    expect(apiErr.fieldError("source_url")).toBe("Not a YouTube link.");
    expect(apiErr.unclaimedFieldErrors(["source_url", "max_clips"])).toEqual([]);
  });

  it("reports a non-envelope failure (a proxy's HTML page) as a generic ApiError", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(502, { "Content-Type": "text/html" });
      res.end("<html>Bad gateway</html>");
    });
    const api = createApiClient({ baseUrl: url });
    const err = (await api.settings.get().catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(502);
    expect(err.code).toBe("http_error");
  });

  it("refreshes once on 401 with the refresh CSRF token, then retries", async () => {
    let access = "expired";
    const calls: string[] = [];
    const url = await serve((req, res) => {
      calls.push(`${req.method} ${req.url}`);
      const cookies = parseCookies(req.headers.cookie);
      if (req.url === "/api/v1/auth/refresh") {
        if (req.headers["x-csrf-token"] !== "csrf-r1" || cookies.refresh_token_cookie !== "ref1")
          return sendJson(res, 401, { error: { code: "unauthorized", message: "no" } });
        access = "fresh";
        return sendJson(res, 200, { access_token: "fresh" }, { "Set-Cookie": ["access_token_cookie=fresh; HttpOnly; Path=/", "csrf_access_token=csrf-a2; Path=/"] });
      }
      if (cookies.access_token_cookie !== access || access !== "fresh")
        return sendJson(res, 401, { error: { code: "token_expired", message: "Token has expired" } });
      if (req.method === "PUT") {
        if (req.headers["x-csrf-token"] !== "csrf-a2") return sendJson(res, 403, { error: { code: "csrf", message: "bad csrf" } });
        return sendJson(res, 200, { max_clips: 3 });
      }
      sendJson(res, 200, { user: { id: "u1", email: "a@b.c" } });
    });
    const jar = cookieJarFetch();
    jar.jar.set("access_token_cookie", "old");
    jar.jar.set("refresh_token_cookie", "ref1");
    jar.jar.set("csrf_refresh_token", "csrf-r1");
    jar.jar.set("csrf_access_token", "csrf-a1");
    let expired = 0;
    const api = createApiClient({ baseUrl: url, fetch: jar.fetch, readCookie: jar.readCookie, onSessionExpired: () => expired++ });

    const [me1, me2] = await Promise.all([api.auth.me(), api.auth.me()]);
    const saved = await api.settings.put({ max_clips: 3 });

    expect(me1.user.id).toBe("u1");
    expect(me2.user.id).toBe("u1");
    expect(saved.max_clips).toBe(3);
    expect(calls.filter((c) => c === "POST /api/v1/auth/refresh")).toHaveLength(1);
    expect(expired).toBe(0);
  });

  it("gives up after one failed refresh and reports the expired session", async () => {
    const calls: string[] = [];
    const url = await serve((req, res) => {
      calls.push(`${req.method} ${req.url}`);
      sendJson(res, 401, { error: { code: "unauthorized", message: "Log in first." } });
    });
    let expired = 0;
    const api = createApiClient({ baseUrl: url, readCookie: () => undefined, onSessionExpired: () => expired++ });

    const err = (await api.jobs.list().catch((e: unknown) => e)) as ApiError;

    expect(err.status).toBe(401);
    expect(err.message).toBe("Log in first.");
    expect(expired).toBe(1);
    expect(calls).toEqual(["GET /api/v1/jobs", "POST /api/v1/auth/refresh"]);
  });

  it("does not try to refresh when the credentials themselves are wrong", async () => {
    const calls: string[] = [];
    const url = await serve((req, res) => {
      calls.push(`${req.method} ${req.url}`);
      sendJson(res, 401, { error: { code: "invalid_credentials", message: "Wrong email or password." } });
    });
    let expired = 0;
    const api = createApiClient({ baseUrl: url, onSessionExpired: () => expired++ });
    const err = (await api.auth.login({ email: "a@b.c", password: "nope-nope" }).catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe("invalid_credentials");
    expect(calls).toEqual(["POST /api/v1/auth/login"]);
    expect(expired).toBe(0);
  });

  it("reports an unreachable server as a network error", async () => {
    const url = await serve((_req, res) => sendJson(res, 200, {}));
    await stop?.();
    stop = undefined;
    const api = createApiClient({ baseUrl: url });
    const err = (await api.jobs.list().catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(0);
    expect(err.code).toBe("network_error");
  });

  it("returns undefined for 204 answers", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const api = createApiClient({ baseUrl: url });
    await expect(api.jobs.remove("j1")).resolves.toBeUndefined();
  });
});

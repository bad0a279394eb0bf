import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Server as SocketServer } from "socket.io";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PublicationsPage } from "@/components/youtube/publications-page";
import { PublishForm } from "@/components/youtube/publish-dialog";
import { YouTubeCard } from "@/components/youtube/youtube-card";
import { ApiError, createApiClient, type Publication, type YouTubeStatus } from "@/lib/api";
import { createLiveSocket } from "@/lib/socket";
import { chartGeometry, chartSummary } from "@/lib/stats-chart";
import {
  applyPublicationEvent,
  canCancel,
  isNotConfigured,
  localInputToUtcIso,
  parseTags,
  publishDraftFromClip,
  publishFollowUp,
  publishPayload,
  publishProblems,
  showRelinkBanner,
  uploadsLeftToday,
  utcIsoToLocalInput,
} from "@/lib/youtube";
import { sendJson, startServer } from "./helpers/server";

const ORIGINAL_TZ = process.env.TZ;
afterEach(() => {
  process.env.TZ = ORIGINAL_TZ;
});

function status(overrides: Partial<YouTubeStatus> = {}): YouTubeStatus {
  return {
    configured: true,
    connected: true,
    needs_relink: false,
    channel: { id: "UC1", title: "My channel", thumbnail_url: null },
    scopes: [],
    connected_at: "2026-01-02T03:04:05Z",
    ...overrides,
  };
}

function pub(overrides: Partial<Publication> = {}): Publication {
  return {
    id: "pub-1",
    clip_id: "clip-1",
    job_id: "job-1",
    status: "uploading",
    progress: 10,
    title: "A clip",
    privacy_status: "private",
    publish_at: null,
    youtube_video_id: null,
    url: null,
    error_code: null,
    error_message: null,
    warning: null,
    stats: null,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...overrides,
  };
}

const CLIP = { id: "clip-1", title: "Why cats purr", description: "A short answer.", tags: ["cats", "science"] };
const draft = (over: Partial<ReturnType<typeof publishDraftFromClip>> = {}) => ({ ...publishDraftFromClip(CLIP), ...over });

describe("schedule in the user's time zone", () => {
  it("converts a local wall-clock time to UTC, with the zone's offset of that date", () => {
    process.env.TZ = "Europe/Paris";
    expect(localInputToUtcIso("2026-12-24T18:30")).toBe("2026-12-24T17:30:00.000Z"); // UTC+1 in winter
    expect(localInputToUtcIso("2026-07-01T09:00")).toBe("2026-07-01T07:00:00.000Z"); // UTC+2 in summer
    process.env.TZ = "America/Los_Angeles";
    expect(localInputToUtcIso("2026-12-24T18:30")).toBe("2026-12-25T02:30:00.000Z");
    process.env.TZ = "Asia/Kolkata";
    expect(localInputToUtcIso("2026-01-01T00:15")).toBe("2025-12-31T18:45:00.000Z");
  });

  it("refuses what is not a date and round-trips for the input's prefill", () => {
    process.env.TZ = "Europe/Paris";
    expect(localInputToUtcIso("2026-02-31T10:00")).toBeNull();
    expect(localInputToUtcIso("tomorrow")).toBeNull();
    expect(localInputToUtcIso("")).toBeNull();
    expect(utcIsoToLocalInput("2026-12-24T17:30:00Z")).toBe("2026-12-24T18:30");
    expect(localInputToUtcIso(utcIsoToLocalInput("2026-07-01T07:00:00Z"))).toBe("2026-07-01T07:00:00.000Z");
  });
});

describe("publish form rules and payload", () => {
  const now = new Date("2026-06-01T12:00:00Z");

  it("prefills from the clip and sends tags, privacy and flags", () => {
    const d = draft({ tags: "#cats, science ,, cats, #fun", privacy_status: "unlisted" });
    expect(publishDraftFromClip(CLIP).tags).toBe("cats, science");
    expect(parseTags(d.tags)).toEqual(["cats", "science", "fun"]);
    expect(publishPayload(d)).toEqual({
      title: "Why cats purr",
      description: "A short answer.",
      tags: ["cats", "science", "fun"],
      privacy_status: "unlisted",
      made_for_kids: false,
    });
    expect(publishPayload(draft({ confirm_rights: true, force: true, made_for_kids: true }))).toMatchObject({
      confirm_rights: true,
      force: true,
      made_for_kids: true,
    });
  });

  it("sends a schedule as UTC and requires it private and in the future", () => {
    process.env.TZ = "America/New_York";
    const scheduled = draft({ schedule: "2026-06-02T08:00" });
    expect(publishProblems(scheduled, now)).toEqual({});
    expect(publishPayload(scheduled).publish_at).toBe("2026-06-02T12:00:00.000Z"); // EDT, UTC-4
    expect(publishProblems({ ...scheduled, privacy_status: "public" }, now).publish_at).toMatch(/private/);
    expect(publishProblems(draft({ schedule: "2026-06-01T07:59" }), now).publish_at).toMatch(/future/);
    expect(publishProblems(draft({ schedule: "2026-13-01T07:59" }), now).publish_at).toMatch(/valid/);
  });

  it("checks the title the way YouTube does", () => {
    expect(publishProblems(draft({ title: "  " }), now).title).toMatch(/required/);
    expect(publishProblems(draft({ title: "x".repeat(101) }), now).title).toMatch(/100/);
    expect(publishProblems(draft({ description: "a <b>" }), now).description).toMatch(/</);
  });

  it("reads what a 409 asks for", () => {
    expect(publishFollowUp(new ApiError(409, "rights_confirmation_required", "m"))).toBe("confirm_rights");
    expect(publishFollowUp(new ApiError(409, "already_published", "m"))).toBe("force");
    expect(publishFollowUp(new ApiError(409, "youtube_not_connected", "m"))).toBeNull();
    expect(publishFollowUp(new ApiError(400, "already_published", "m"))).toBeNull();
  });
});

describe("banner and configuration", () => {
  it("shows the re-link banner only for a linked channel Google refuses", () => {
    expect(showRelinkBanner(status({ needs_relink: true }))).toBe(true);
    expect(showRelinkBanner(status())).toBe(false);
    expect(showRelinkBanner(status({ configured: false, needs_relink: true }))).toBe(false);
    expect(showRelinkBanner(undefined)).toBe(false);
  });

  it("knows an unconfigured server by its 503 or its status", () => {
    expect(isNotConfigured(undefined, new ApiError(503, "youtube_not_configured", "m"))).toBe(true);
    expect(isNotConfigured(status({ configured: false }), undefined)).toBe(true);
    expect(isNotConfigured(status(), undefined)).toBe(false);
    expect(isNotConfigured(undefined, new ApiError(503, "http_error", "m"))).toBe(false);
  });
});

describe("publication progress reducer", () => {
  it("moves active rows, never back, and lets the full update win", () => {
    const items = [pub(), pub({ id: "pub-2", status: "published", progress: 100 })];
    const ev = (progress: number, status: Publication["status"] = "uploading", id = "pub-1") => ({
      type: "progress" as const,
      event: { publication_id: id, clip_id: "clip-1", status, progress },
    });
    const moved = applyPublicationEvent(items, ev(55));
    expect(moved[0]!.progress).toBe(55);
    expect(applyPublicationEvent(moved, ev(40))[0]!.progress).toBe(55);
    expect(applyPublicationEvent(moved, ev(0, "processing"))[0]).toMatchObject({ status: "processing", progress: 0 });
    // A finished row ignores a late progress event.
    expect(applyPublicationEvent(moved, ev(30, "uploading", "pub-2"))[1]).toMatchObject({ status: "published", progress: 100 });
    const done = applyPublicationEvent(moved, { type: "updated", publication: pub({ status: "failed", progress: 55, error_message: "quota" }) });
    expect(done[0]).toMatchObject({ status: "failed", error_message: "quota" });
    const added = applyPublicationEvent(done, { type: "updated", publication: pub({ id: "pub-3", status: "queued", progress: 0 }) });
    expect(added.map((p) => p.id)).toEqual(["pub-3", "pub-1", "pub-2"]);
    expect(canCancel(added[0]!)).toBe(true);
    expect(canCancel(added[2]!)).toBe(false);
  });
});

describe("PublishForm against a real server", () => {
  it("asks for the rights after a 409, then publishes with confirm_rights", async () => {
    const bodies: Record<string, unknown>[] = [];
    const srv = await startServer((req, res, body) => {
      const json = JSON.parse(body) as Record<string, unknown>;
      bodies.push(json);
      if (req.url !== "/api/v1/clips/clip-1/publish") return sendJson(res, 404, {});
      if (!json.confirm_rights)
        return sendJson(res, 409, { error: { code: "rights_confirmation_required", message: "Confirm you have the rights." } });
      return sendJson(res, 202, pub({ status: "queued", progress: 0, title: String(json.title) }));
    });
    try {
      const api = createApiClient({ baseUrl: srv.url, readCookie: () => undefined });
      const onPublished = vi.fn();
      const user = userEvent.setup();
      render(<PublishForm clip={CLIP} onPublished={onPublished} onCancel={() => undefined} publish={api.publications.publish} />);
      expect(screen.getByLabelText("Title")).toHaveValue("Why cats purr");
      await user.click(screen.getByRole("button", { name: "Publish" }));
      await screen.findByText("Confirm you have the rights.");
      const rights = await screen.findByTestId("publish-confirm-rights");
      expect(rights).toHaveTextContent(/Content ID blocks claimed Shorts over 1 minute/);
      expect(onPublished).not.toHaveBeenCalled();
      await user.click(within(rights).getByRole("checkbox"));
      await user.click(screen.getByRole("button", { name: "Publish" }));
      await waitFor(() => expect(onPublished).toHaveBeenCalledWith(expect.objectContaining({ status: "queued", title: "Why cats purr" })));
      expect(bodies).toHaveLength(2);
      expect(bodies[0]).not.toHaveProperty("confirm_rights");
      expect(bodies[1]).toMatchObject({ confirm_rights: true, privacy_status: "private", tags: ["cats", "science"] });
    } finally {
      await srv.close();
    }
  });

  it("forces the schedule to private and refuses a past time without sending", async () => {
    const publish = vi.fn();
    const user = userEvent.setup();
    render(<PublishForm clip={CLIP} onPublished={() => undefined} onCancel={() => undefined} publish={publish} />);
    await user.selectOptions(screen.getByLabelText("Privacy"), "public");
    const schedule = screen.getByLabelText("Schedule (optional)");
    await user.type(schedule, "2001-01-01T10:00");
    expect(screen.getByLabelText("Privacy")).toHaveValue("private");
    await user.click(screen.getByRole("button", { name: "Schedule" }));
    expect(await screen.findByText("Pick a time in the future.")).toBeInTheDocument();
    expect(publish).not.toHaveBeenCalled();
  });
});

describe("YouTubeCard", () => {
  it("explains the three settings when the server has no Google client", async () => {
    const srv = await startServer((_req, res) =>
      sendJson(res, 503, { error: { code: "youtube_not_configured", message: "YouTube is not configured on this server." } }),
    );
    try {
      render(<YouTubeCard api={createApiClient({ baseUrl: srv.url, readCookie: () => undefined })} />);
      const help = await screen.findByTestId("youtube-not-configured");
      for (const name of ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "GOOGLE_CLIENT_SECRETS_FILE", "TOKEN_ENCRYPTION_KEY"])
        expect(help).toHaveTextContent(name);
    } finally {
      await srv.close();
    }
  });

  it("shows what is left of today's quota, the tighter of the two limits", async () => {
    const quota = {
      day: "2026-03-01",
      units_used: 1650,
      units_limit: 10000,
      units_left: 8350,
      uploads_used: 1,
      uploads_limit: 100,
      uploads_left: 99,
      upload_units: 1600,
      resets_at: "2026-03-02T08:00:00Z",
    };
    expect(uploadsLeftToday(quota)).toBe(5);
    expect(uploadsLeftToday({ ...quota, units_left: 10000, uploads_left: 2 })).toBe(2);
    expect(uploadsLeftToday({ ...quota, units_left: 1599 })).toBe(0);
    const srv = await startServer((_req, res) => sendJson(res, 200, status({ quota })));
    try {
      render(<YouTubeCard api={createApiClient({ baseUrl: srv.url, readCookie: () => undefined })} />);
      const line = await screen.findByTestId("youtube-quota");
      expect(line).toHaveTextContent("About 5 more uploads today");
      expect(line).toHaveTextContent("8,350 of 10,000 API units left (an upload costs 1,600) · 99 of 100 uploads left");
    } finally {
      await srv.close();
    }
  });

  it("connects through Google's URL and unlinks after confirming", async () => {
    const calls: string[] = [];
    let linked = true;
    const srv = await startServer((req, res) => {
      calls.push(`${req.method} ${req.url}`);
      if (req.method === "POST") return sendJson(res, 200, { authorization_url: "https://accounts.example/auth?state=s1" });
      if (req.method === "DELETE") {
        linked = false;
        return sendJson(res, 204, undefined);
      }
      return sendJson(res, 200, linked ? status() : status({ connected: false, channel: null, connected_at: null }));
    });
    try {
      const navigate = vi.fn();
      const user = userEvent.setup();
      render(<YouTubeCard api={createApiClient({ baseUrl: srv.url, readCookie: () => undefined })} navigate={navigate} />);
      expect(await screen.findByText("My channel")).toBeInTheDocument();
      await user.click(screen.getByRole("button", { name: "Unlink" }));
      const dialog = await screen.findByRole("dialog");
      await user.click(within(dialog).getByRole("button", { name: "Unlink" }));
      await user.click(await screen.findByRole("button", { name: "Connect YouTube" }));
      await waitFor(() => expect(navigate).toHaveBeenCalledWith("https://accounts.example/auth?state=s1"));
      expect(calls).toEqual(["GET /api/v1/youtube", "DELETE /api/v1/youtube", "GET /api/v1/youtube", "POST /api/v1/youtube/connect"]);
    } finally {
      await srv.close();
    }
  });
});

describe("PublicationsPage live", () => {
  it("explains the settings instead of an error when the server has no Google client", async () => {
    const srv = await startServer((_req, res) =>
      sendJson(res, 503, { error: { code: "youtube_not_configured", message: "YouTube is not configured on this server." } }),
    );
    const socket = createLiveSocket(srv.url);
    try {
      render(<PublicationsPage api={createApiClient({ baseUrl: srv.url, readCookie: () => undefined })} live={{ socket }} />);
      expect(await screen.findByTestId("youtube-not-configured")).toHaveTextContent("GOOGLE_CLIENT_ID");
      expect(screen.queryByRole("alert")).toBeNull();
    } finally {
      socket.disconnect();
      await srv.close();
    }
  });

  it("reads the status first and never asks for the list on a server without a Google client", async () => {
    const asked: string[] = [];
    const srv = await startServer((req, res) => {
      asked.push(req.url ?? "");
      if (req.url === "/api/v1/youtube") return sendJson(res, 200, status({ configured: false, connected: false, channel: null }));
      return sendJson(res, 503, { error: { code: "youtube_not_configured", message: "YouTube is not configured on this server." } });
    });
    const socket = createLiveSocket(srv.url);
    try {
      render(<PublicationsPage api={createApiClient({ baseUrl: srv.url, readCookie: () => undefined })} live={{ socket }} />);
      expect(await screen.findByTestId("youtube-not-configured")).toHaveTextContent("GOOGLE_CLIENT_ID");
      expect(screen.queryByRole("alert")).toBeNull();
      expect(asked.filter((url) => url.startsWith("/api/v1/"))).toEqual(["/api/v1/youtube"]);
    } finally {
      socket.disconnect();
      await srv.close();
    }
  });

  it("moves the bar on publication_progress and shows the published video and its stats", async () => {
    const srv = await startServer((req, res) => {
      if (req.url?.startsWith("/api/v1/publications?")) return sendJson(res, 200, { items: [pub()], total: 1, limit: 20, offset: 0 });
      return sendJson(res, 404, {});
    });
    const io = new SocketServer(srv.server, { path: "/socket.io" });
    const socket = createLiveSocket(srv.url);
    try {
      render(<PublicationsPage api={createApiClient({ baseUrl: srv.url, readCookie: () => undefined })} live={{ socket }} />);
      const bar = await screen.findByRole("progressbar", { name: "Upload of A clip" });
      expect(bar).toHaveAttribute("aria-valuenow", "10");
      await waitFor(() => expect(socket.connected).toBe(true));
      act(() => {
        io.emit("publication_progress", { publication_id: "pub-1", clip_id: "clip-1", status: "uploading", progress: 62.4 });
      });
      await waitFor(() => expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "62"));
      expect(screen.getByRole("button", { name: "Cancel" })).toBeInTheDocument();
      act(() => {
        io.emit(
          "publication_updated",
          pub({
            status: "published",
            progress: 100,
            youtube_video_id: "abc",
            url: "https://www.youtube.com/shorts/abc",
            stats: { views: 1234, likes: 56, comments: 7, refreshed_at: "2026-01-01T00:00:00Z" },
          }),
        );
      });
      expect(await screen.findByTestId("publication-url")).toHaveAttribute("href", "https://www.youtube.com/shorts/abc");
      expect(screen.getByTestId("publication-stats")).toHaveTextContent(/56 likes · 7 comments/);
      expect(screen.queryByRole("progressbar")).toBeNull();
      expect(screen.getByRole("button", { name: "Refresh stats" })).toBeInTheDocument();
    } finally {
      socket.disconnect();
      io.close();
      await srv.close();
    }
  });
});

describe("stats history chart", () => {
  const point = (views: number, at: string) => ({ views, likes: Math.floor(views / 10), comments: 1, recorded_at: at });

  it("places readings by their time, scaled from zero to the maximum", () => {
    const items = [point(0, "2026-01-01T00:00:00Z"), point(50, "2026-01-01T01:00:00Z"), point(100, "2026-01-01T04:00:00Z")];
    const g = chartGeometry(items, "views", 320, 80);
    // 1 h of 4 h puts the middle reading a quarter of the way along, at half height.
    expect(g?.line).toBe("0,80 80,40 320,0");
    expect(g?.area).toBe("0,80 0,80 80,40 320,0 320,80");
    expect(g?.max).toBe(100);
    expect(chartGeometry([], "views", 320, 80)).toBeNull();
    expect(chartGeometry([point(7, "2026-01-01T00:00:00Z")], "views", 320, 80)?.line).toBe("160,0");
    expect(chartGeometry([point(0, "2026-01-01T00:00:00Z")], "likes", 320, 80)?.line).toBe("160,80");
    expect(chartSummary(items, "views", (iso) => iso.slice(11, 16))).toBe("0 → 100 views from 00:00 to 04:00, 3 readings.");
    expect(chartSummary([], "views", String)).toBe("No readings yet.");
  });

  it("loads the history of a published video, switches series and reloads after a refresh", async () => {
    let readings = [point(12, "2026-01-01T00:00:00Z"), point(20, "2026-01-01T06:00:00Z")];
    const published = pub({
      status: "published",
      progress: 100,
      youtube_video_id: "abc",
      url: "https://www.youtube.com/shorts/abc",
      stats: { views: 20, likes: 2, comments: 1, refreshed_at: "2026-01-01T06:00:00Z" },
    });
    const srv = await startServer((req, res) => {
      if (req.url?.startsWith("/api/v1/publications?")) return sendJson(res, 200, { items: [published], total: 1, limit: 20, offset: 0 });
      if (req.url === "/api/v1/publications/pub-1/stats") return sendJson(res, 200, { publication_id: "pub-1", items: readings });
      if (req.url === "/api/v1/publications/pub-1/refresh-stats" && req.method === "POST") {
        readings = [...readings, point(90, "2026-01-01T12:00:00Z")];
        return sendJson(res, 200, { ...published, stats: { views: 90, likes: 9, comments: 1, refreshed_at: "2026-01-01T12:00:00Z" } });
      }
      return sendJson(res, 404, {});
    });
    const socket = createLiveSocket(srv.url);
    try {
      const user = userEvent.setup();
      render(<PublicationsPage api={createApiClient({ baseUrl: srv.url, readCookie: () => undefined })} live={{ socket }} />);
      await user.click(await screen.findByRole("button", { name: "Chart" }));
      const chart = await screen.findByRole("img", { name: /12 → 20 views .*2 readings/ });
      expect(within(screen.getByTestId("stats-chart")).getByTestId("stats-line").getAttribute("points")).toBe("0,32 320,0");
      await user.click(screen.getByRole("button", { name: "Likes" }));
      expect(screen.getByRole("button", { name: "Likes" })).toHaveAttribute("aria-pressed", "true");
      expect(screen.getByRole("img", { name: /1 → 2 likes/ })).toBeInTheDocument();
      expect(chart).toBeInTheDocument();
      await user.click(screen.getByRole("button", { name: "Refresh stats" }));
      expect(await screen.findByRole("img", { name: /1 → 9 likes .*3 readings/ })).toBeInTheDocument();
      await user.click(screen.getByRole("button", { name: "Hide chart" }));
      expect(screen.queryByTestId("stats-chart")).toBeNull();
    } finally {
      socket.disconnect();
      await srv.close();
    }
  });
});

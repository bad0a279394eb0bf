import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NewJobForm } from "@/components/jobs/new-job-form";
import { createApiClient, type Settings, type YouTubeStatus } from "@/lib/api";
import {
  AUTO_PUBLISH_OFF,
  autoPublishOption,
  autoPublishProblems,
  canAutoPublish,
  localInputToUtcIso,
  type AutoPublishDraft,
} from "@/lib/youtube";
import { makeJob, sendJson, startServer } from "./helpers/server";

const push = vi.fn();
vi.mock("next/navigation", () => ({ useRouter: () => ({ push }) }));

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

const on = (overrides: Partial<AutoPublishDraft> = {}): AutoPublishDraft => ({ ...AUTO_PUBLISH_OFF, enabled: true, ...overrides });
const NOW = new Date(2026, 5, 1, 12, 0);

describe("auto-publish logic", () => {
  it("is offered only with a working linked channel", () => {
    expect(canAutoPublish(status())).toBe(true);
    expect(canAutoPublish(status({ connected: false, channel: null }))).toBe(false);
    expect(canAutoPublish(status({ needs_relink: true }))).toBe(false);
    expect(canAutoPublish(status({ configured: false }))).toBe(false);
    expect(canAutoPublish(undefined)).toBe(false);
  });

  it("bounds top by the job's maximum clips and checks the schedule", () => {
    expect(autoPublishProblems({ ...AUTO_PUBLISH_OFF, top: "x", schedule: "junk" }, 3, NOW)).toEqual({});
    expect(autoPublishProblems(on({ top: "3" }), 3, NOW)).toEqual({});
    for (const top of ["0", "4", "2.5", "", "-1"])
      expect(autoPublishProblems(on({ top }), 3, NOW).publish_top).toBe("A whole number from 1 to 3 (the job's maximum clips).");
    expect(autoPublishProblems(on({ top: "50" }), undefined, NOW)).toEqual({});
    expect(autoPublishProblems(on({ top: "51" }), undefined, NOW).publish_top).toMatch(/1 to 50/);
    expect(autoPublishProblems(on({ schedule: "2026-06-02T09:30" }), 3, NOW)).toEqual({});
    expect(autoPublishProblems(on({ schedule: "2026-06-01T11:59" }), 3, NOW).publish_at).toBe("Pick a time in the future.");
    expect(autoPublishProblems(on({ schedule: "2026-06-02T09:30", privacy_status: "public" }), 3, NOW).publish_at).toMatch(/private/);
    expect(autoPublishProblems(on({ schedule: "2026-02-31T09:30" }), 3, NOW).publish_at).toBe("Not a valid date and time.");
  });

  it("builds the option object, or nothing when unchecked", () => {
    expect(autoPublishOption(AUTO_PUBLISH_OFF)).toBeUndefined();
    expect(autoPublishOption(on({ top: " 2 ", privacy_status: "unlisted" }))).toEqual({ privacy_status: "unlisted", top: 2 });
    const scheduled = autoPublishOption(on({ schedule: "2026-06-02T09:30" }));
    expect(scheduled).toEqual({ privacy_status: "private", top: 1, publish_at: new Date(2026, 5, 2, 9, 30).toISOString() });
    expect(scheduled?.publish_at).toBe(localInputToUtcIso("2026-06-02T09:30"));
  });
});

describe("NewJobForm's YouTube section against a real server", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
    push.mockClear();
  });

  async function serve(youtube: { status: number; body: unknown }) {
    const posted: unknown[] = [];
    let statusAsked = 0;
    const srv = await startServer((req, res, body) => {
      if (req.method === "GET" && req.url === "/api/v1/youtube") {
        statusAsked += 1;
        return sendJson(res, youtube.status, youtube.body);
      }
      if (req.method === "POST" && req.url === "/api/v1/jobs") {
        posted.push(JSON.parse(body));
        return sendJson(res, 201, makeJob({ id: "job-9" }));
      }
      sendJson(res, 404, { error: { code: "not_found", message: req.url } });
    });
    close = srv.close;
    const api = createApiClient({ baseUrl: srv.url, readCookie: () => undefined });
    render(<NewJobForm defaults={{ max_clips: 3 } as Settings} criteria={[]} api={api} />);
    return { posted, asked: () => statusAsked };
  }

  async function submitUrl(user: ReturnType<typeof userEvent.setup>) {
    await user.type(screen.getByLabelText("Video link"), "https://www.youtube.com/watch?v=dQw4w9WgXcQ");
    await user.click(screen.getByRole("button", { name: "Create job" }));
  }

  it("sends publish as an object when checked, and no publish key when not", async () => {
    const user = userEvent.setup();
    const { posted } = await serve({ status: 200, body: status() });
    await user.click(await screen.findByLabelText("Publish to YouTube when done"));
    expect(screen.getByText(/My channel/)).toBeInTheDocument();
    const top = screen.getByLabelText("Best clips to publish");
    await user.clear(top);
    await user.type(top, "4");
    await submitUrl(user);
    expect(await screen.findByTestId("publish_top-error")).toHaveTextContent("1 to 3");
    expect(posted).toHaveLength(0);

    await user.clear(top);
    await user.type(top, "2");
    await user.selectOptions(screen.getByLabelText("Privacy"), "unlisted");
    await user.click(screen.getByRole("button", { name: "Create job" }));
    await waitFor(() => expect(push).toHaveBeenCalledWith("/jobs/job-9"));
    expect(posted).toHaveLength(1);
    expect((posted[0] as { options: Record<string, unknown> }).options.publish).toEqual({ privacy_status: "unlisted", top: 2 });
  });

  it("leaves publish out when the box stays unchecked", async () => {
    const user = userEvent.setup();
    const { posted } = await serve({ status: 200, body: status() });
    await screen.findByLabelText("Publish to YouTube when done");
    await submitUrl(user);
    await waitFor(() => expect(push).toHaveBeenCalledWith("/jobs/job-9"));
    const options = (posted[0] as { options: Record<string, unknown> }).options;
    expect(options.max_clips).toBe(3);
    expect("publish" in options).toBe(false);
  });

  it("hides the section when no channel is linked", async () => {
    const { asked } = await serve({ status: 200, body: status({ connected: false, channel: null, connected_at: null }) });
    await waitFor(() => expect(asked()).toBe(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByTestId("auto-publish")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Create job" })).toBeInTheDocument();
  });

  it("hides the section quietly on 503", async () => {
    const { asked } = await serve({
      status: 503,
      body: { error: { code: "youtube_not_configured", message: "YouTube is not configured on this server." } },
    });
    await waitFor(() => expect(asked()).toBe(1));
    // Give the answer time to reach the component before checking that nothing appeared.
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByTestId("auto-publish")).not.toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });
});

import { createHash } from "node:crypto";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { SCREENSHOT_DIR } from "./global-setup";
import { fillTalkUpload } from "./forms";

/**
 * YouTube end to end in Chromium, against the real backend and the local Google
 * (tests/youtube/google_server.py, started by the Playwright config): link a channel through the
 * OAuth redirect, render a clip, publish it on a schedule from the clip's dialog, and watch the
 * upload live on the Publications page. The emulator then says what it received: the bytes must
 * hash to the clip's file, the thumbnail must be the clip's, and `publishAt` the chosen time.
 */
const GOOGLE = process.env.E2E_GOOGLE_URL ?? "http://127.0.0.1:5056/";
// A zone with a half-hour offset: a local/UTC mix-up cannot pass by accident.
test.use({ timezoneId: "Asia/Kolkata", viewport: { width: 1280, height: 1400 } });
test.skip(!!process.env.E2E_BASE_URL && !process.env.E2E_GOOGLE_URL, "needs the local Google of the full run");

const email = `youtube-${Date.now()}@example.com`;
const password = "correct horse battery";

interface SocketEvent {
  name: string;
  data: { publication_id?: string; id?: string; status?: string; progress?: number };
}

/** Socket.IO events as the browser received them: frames `42["name", data]` on the websocket. */
function recordEvents(page: Page): SocketEvent[] {
  const events: SocketEvent[] = [];
  page.on("websocket", (ws) =>
    ws.on("framereceived", ({ payload }) => {
      const text = typeof payload === "string" ? payload : payload.toString();
      const match = /^42(?:\/[^,]*,)?(\[.*\])$/s.exec(text);
      if (!match?.[1]) return;
      const [name, data] = JSON.parse(match[1]) as [string, SocketEvent["data"]];
      if (name.startsWith("publication_")) events.push({ name, data });
    }),
  );
  return events;
}

async function sha256Of(request: APIRequestContext, url: string): Promise<string> {
  const res = await request.get(url);
  expect(res.status()).toBe(200);
  return createHash("sha256").update(await res.body()).digest("hex");
}

interface EmulatorVideo {
  id: string;
  sha256: string;
  thumbnail_sha256: string | null;
  snippet: { title?: string; tags?: string[] };
  status: { privacyStatus?: string; publishAt?: string };
}

async function emulatorVideos(request: APIRequestContext): Promise<EmulatorVideo[]> {
  return ((await (await request.get(`${GOOGLE}_emulator/videos`)).json()) as { items: EmulatorVideo[] }).items;
}

async function seriousAxe(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id);
}

test("link a channel, publish a rendered clip on a schedule, watch it upload live", async ({ page, request }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const events = recordEvents(page);
  expect((await page.request.post("/api/v1/auth/register", { data: { email, password } })).status()).toBe(201);
  await page.goto("/login?next=%2Fsettings");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/settings$/);

  await test.step("link the channel through Google's redirect and the callback page", async () => {
    await expect(page.getByTestId("youtube-not-configured")).toHaveCount(0);
    await page.getByRole("button", { name: "Connect YouTube" }).click();
    // Google (here: the emulator) consents at once and sends the browser to /youtube/callback.
    await expect(page).toHaveURL(/\/settings#youtube$/, { timeout: 30_000 });
    await expect(page.getByTestId("youtube-channel")).toContainText("Local Test Channel");
    await expect(page.getByTestId("youtube-quota")).toContainText("About 6 more uploads today");
    const kinds = ((await (await request.get(`${GOOGLE}_emulator/log`)).json()) as { kinds: string[] }).kinds;
    expect(kinds).toEqual(expect.arrayContaining(["authorize", "token"]));
    expect(await seriousAxe(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "youtube-01-linked.png"), fullPage: true });
  });

  await test.step("render one short vertical clip", async () => {
    await page.goto("/jobs/new");
    await fillTalkUpload(page, { shortest: 8, longest: 15, count: 1 });
    await page.getByLabel("Resolution").selectOption("720p");
    await page.getByRole("button", { name: "Create job" }).click();
    await expect(page).toHaveURL(/\/jobs\/[0-9a-f-]{36}$/, { timeout: 60_000 });
    await expect(page.locator('[data-status="completed"]').first()).toBeVisible({ timeout: 240_000 });
  });

  const card = page.getByTestId("clip-card").first();
  const clipId = ((await card.getAttribute("id")) ?? "").replace(/^clip-/, "");
  const clip = (await (await page.request.get(`/api/v1/clips/${clipId}`)).json()) as {
    title: string;
    assets: { video_url: string; thumbnail_url: string };
  };

  await test.step("publish from the clip's dialog, scheduled in local time", async () => {
    // Slow chunks (256 KiB each, set by the config) so the upload is seen moving.
    expect((await request.post(`${GOOGLE}_emulator/faults`, { data: { chunk_delay: 0.25 } })).status()).toBe(200);
    await card.getByRole("button", { name: /^Publish .* to YouTube$/ }).click();
    const form = page.getByTestId("publish-form");
    await expect(form.getByLabel("Title")).toHaveValue(clip.title.slice(0, 100));
    await expect(form.getByLabel("Tags")).not.toHaveValue("");
    await form.getByLabel("Schedule (optional)").fill("2031-03-04T10:00");
    await expect(form.getByLabel("Privacy")).toHaveValue("private");
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "youtube-02-publish-dialog.png") });
    await form.getByRole("button", { name: "Schedule" }).click();
    await expect(page.getByTestId("publish-form")).toHaveCount(0);
  });

  await test.step("the Publications page shows the upload live, then the video", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Publications" }).click();
    await expect(page).toHaveURL(/\/publications$/);
    const row = page.getByTestId("publication-row").first();
    await expect(row).toHaveAttribute("data-status", "published", { timeout: 120_000 });
    await expect(row.getByTestId("publication-url")).toHaveAttribute("href", /^https:\/\/(www\.)?youtube\.com\/(shorts\/|watch\?v=)/);
    await expect(row).toContainText("Private");
    await row.getByRole("button", { name: "Refresh stats" }).click();
    await expect(row.getByTestId("publication-stats")).toContainText("0 views");
    await row.getByRole("button", { name: "Chart" }).click();
    await expect(row.getByRole("img", { name: /0 views at .*\(one reading\)/ })).toBeVisible();
    expect(await seriousAxe(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "youtube-03-published.png"), fullPage: true });
  });

  await test.step("Google received the clip's bytes, its thumbnail and the schedule", async () => {
    const videos = await emulatorVideos(request);
    expect(videos).toHaveLength(1);
    const video = videos[0]!;
    expect(video.sha256).toBe(await sha256Of(page.request, clip.assets.video_url));
    expect(video.thumbnail_sha256).toBe(await sha256Of(page.request, clip.assets.thumbnail_url));
    // 10:00 in Kolkata (UTC+5:30) is 04:30 UTC.
    expect(video.status).toMatchObject({ privacyStatus: "private", publishAt: "2031-03-04T04:30:00Z" });
    expect(video.snippet.title).toBe(clip.title.slice(0, 100));
  });

  await test.step("the socket events arrived in order", async () => {
    const statuses = events.map((e) => e.data.status);
    const rank = { queued: 0, uploading: 1, processing: 2, published: 3 } as Record<string, number>;
    const ranks = statuses.map((s) => rank[s ?? ""] ?? -1);
    expect(ranks).not.toContain(-1);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(events[0]).toMatchObject({ name: "publication_updated", data: { status: "queued" } });
    expect(events.at(-1)).toMatchObject({ name: "publication_updated", data: { status: "published" } });
    const progress = events.filter((e) => e.name === "publication_progress").map((e) => e.data.progress ?? -1);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  await test.step("unlink; the callback page without Google's answer says so", async () => {
    await page.goto("/settings");
    // One upload (1,600 units) and its thumbnail (50) were counted: 5 more fit in 10,000.
    await expect(page.getByTestId("youtube-quota")).toContainText("About 5 more uploads today");
    await page.getByRole("button", { name: "Unlink" }).click();
    await page.getByRole("dialog", { name: "Unlink YouTube?" }).getByRole("button", { name: "Unlink" }).click();
    await expect(page.getByRole("button", { name: "Connect YouTube" })).toBeVisible();
    const kinds = ((await (await request.get(`${GOOGLE}_emulator/log`)).json()) as { kinds: string[] }).kinds;
    expect(kinds).toContain("revoke");
    await page.goto("/youtube/callback?error=access_denied");
    await expect(page.getByText("You did not allow access to the channel.")).toBeVisible();
  });

  // The narrowest width with the full navigation (lg): its six links and the account still fit.
  await page.setViewportSize({ width: 1024, height: 800 });
  const header = await page.locator("header").evaluate((h) => ({ scroll: h.scrollWidth, client: h.clientWidth }));
  expect(header.scroll).toBeLessThanOrEqual(header.client);
  expect(errors).toEqual([]);
});

import path from "node:path";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { SCREENSHOT_DIR } from "./global-setup";
import { fillTalkUpload } from "./forms";

/**
 * Shorts against the real backend and pipeline: a job rendered vertical, its clip's 9:16 player
 * and per-shot layout bar, then a trim + layout + caption change re-rendered through the editor,
 * with the live clip_updated swapping the video in place. Screenshots: e2e-screenshots/shorts-*.png.
 */
// Tall enough that the cards' screenshots are not covered by the sticky navigation bar.
test.use({ viewport: { width: 1280, height: 1600 } });

const email = `shorts-${Date.now()}@example.com`;
const password = "correct horse battery";

async function shot(page: Page, name: string, target?: Locator) {
  const file = path.join(SCREENSHOT_DIR, `shorts-${name}.png`);
  await (target ? target.screenshot({ path: file }) : page.screenshot({ path: file, fullPage: true }));
}

interface ClipJson {
  start_time: number;
  end_time: number;
  width: number;
  height: number;
  render_status: string;
  layout: string;
  caption_style: string;
  loudness: number | null;
  shots: { start: number; end: number; layout: string }[];
  render_options: { layout: string; caption_style: string };
}

async function clipJson(page: Page, id: string): Promise<ClipJson> {
  const res = await page.request.get(`/api/v1/clips/${id}`);
  expect(res.status()).toBe(200);
  return (await res.json()) as ClipJson;
}

async function playerGeometry(page: Page) {
  await page.waitForFunction(() => {
    const v = document.querySelector<HTMLVideoElement>('[data-testid="clip-video"]');
    return !!v && v.readyState >= 1 && v.videoWidth > 0;
  });
  return page.getByTestId("clip-video").first().evaluate((v: HTMLVideoElement) => {
    const box = v.getBoundingClientRect();
    return { boxRatio: box.width / box.height, width: v.videoWidth, height: v.videoHeight, src: v.currentSrc };
  });
}

test("a vertical Short: 9:16 player, shot layouts, trim and re-render live", async ({ page }) => {
  const registered = await page.request.post("/api/v1/auth/register", { data: { email, password } });
  expect(registered.status()).toBe(201);
  await page.goto("/login?next=%2Fjobs%2Fnew");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/jobs\/new$/);

  await test.step("create a vertical job with the Shorts options", async () => {
    await fillTalkUpload(page, { shortest: 8, longest: 15, count: 1 });
    await expect(page.getByLabel("Format")).toHaveValue("vertical");
    // 720p keeps the render short on a small machine; the aspect is what is checked.
    await expect(page.getByLabel("Resolution")).toHaveValue("");
    await page.getByLabel("Resolution").selectOption("720p");
    await expect(page.getByLabel("Resolution").locator('option[value="original"]')).toBeDisabled();
    await page.getByLabel("Caption style").selectOption("bold");
    await expect(page.getByLabel("Show the clip's title over its first seconds (hook)")).toBeChecked();
    await expect(page.getByLabel("Loudness target (LUFS)")).toHaveValue("-14");
    await shot(page, "01-new-job-options", page.getByTestId("job-shorts"));
    await page.getByRole("button", { name: "Create job" }).click();
    await expect(page).toHaveURL(/\/jobs\/[0-9a-f-]{36}$/, { timeout: 60_000 });
    await expect(page.locator('[data-status="completed"]').first()).toBeVisible({ timeout: 240_000 });
  });

  const card = page.getByTestId("clip-card").first();
  const clipId = ((await card.getAttribute("id")) ?? "").replace(/^clip-/, "");
  const before = await clipJson(page, clipId);

  await test.step("the clip plays in a 9:16 player with its measured loudness", async () => {
    expect([before.width, before.height]).toEqual([720, 1280]);
    expect(before.caption_style).toBe("bold");
    await card.getByRole("button", { name: /^Play / }).click();
    const geo = await playerGeometry(page);
    expect([geo.width, geo.height]).toEqual([720, 1280]);
    expect(geo.boxRatio).toBeCloseTo(9 / 16, 2);
    expect(before.loudness).not.toBeNull();
    await expect(card.getByTestId("clip-loudness")).toHaveText(` · ${before.loudness!.toFixed(1)} LUFS`);
    await shot(page, "02-vertical-player", card);
  });

  await test.step("the shot timeline shows one labelled segment per shot", async () => {
    const segments = card.getByTestId("shot-segment");
    await expect(segments).toHaveCount(before.shots.length);
    expect(before.shots.length).toBeGreaterThan(0);
    for (const [i, s] of before.shots.entries()) await expect(segments.nth(i)).toHaveAttribute("data-layout", s.layout);
    await expect(segments.first()).toContainText(before.shots[0]!.layout);
    await shot(page, "03-shot-timeline", card.getByTestId("shot-timeline"));
  });

  await test.step("trim, change layout and captions, re-render and see it live", async () => {
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    await card.getByRole("button", { name: /^Edit / }).click();
    const panel = card.getByTestId("render-panel");
    await expect(panel.getByTestId("trim-snap").first()).toBeVisible();
    const end = panel.getByRole("slider", { name: "Clip end" });
    await expect(end).toHaveAttribute("aria-valuenow", String(before.end_time));
    await end.focus();
    await page.keyboard.press("ArrowLeft");
    const newEnd = Number(await end.getAttribute("aria-valuenow"));
    expect(newEnd).toBeLessThan(before.end_time);
    expect(newEnd).toBeGreaterThan(before.start_time);
    await panel.getByLabel("Layout").selectOption("crop");
    await panel.getByLabel("Caption style").selectOption("clean");
    await shot(page, "04-trim-and-options", card);
    const oldSrc = (await playerGeometry(page)).src;

    await panel.getByRole("button", { name: "Re-render" }).click();
    // Queued (the 202), then claimed by a worker at once: the card is busy until it is ready.
    // The worker's "rendering" event may reach the page before the 202 does: either state counts.
    await expect(card).toHaveAttribute("data-render-status", /^(queued|rendering)$/);
    await expect(card.getByTestId("clip-render-status")).toHaveText(/^(Queued|Rendering)…$/);
    await shot(page, "05-rendering", card);

    // Only the socket's clip_updated (or the polling fallback) can bring this: no reload happens.
    await expect(card).toHaveAttribute("data-render-status", "ready", { timeout: 120_000 });
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    const after = await clipJson(page, clipId);
    expect(after.render_status).toBe("ready");
    // The worker snaps the requested time into the nearest pause within ±1 s (CONTRACTS §9).
    expect(Math.abs(after.end_time - newEnd)).toBeLessThanOrEqual(1.0);
    expect(after.end_time).toBeLessThanOrEqual(before.end_time + 1e-6);  // may snap back to the same pause
    expect(after.render_options).toMatchObject({ layout: "crop", caption_style: "clean" });
    expect(after.caption_style).toBe("clean");
    await expect(card.getByTestId("clip-render-facts")).toContainText("captions clean");
    await expect(card.getByTestId("shot-segment")).toHaveCount(after.shots.length);
    for (const [i, s] of after.shots.entries()) await expect(card.getByTestId("shot-segment").nth(i)).toHaveAttribute("data-layout", s.layout);
    expect(after.shots.every((s) => s.layout === "crop")).toBe(true);
    await expect(card.getByRole("slider", { name: "Clip end" })).toHaveAttribute("aria-valuenow", String(after.end_time));

    const geo = await playerGeometry(page);
    expect(geo.src).not.toBe(oldSrc);
    expect([geo.width, geo.height]).toEqual([720, 1280]);
    const duration = await page.getByTestId("clip-video").first().evaluate((v: HTMLVideoElement) => v.duration);
    expect(duration).toBeCloseTo(after.end_time - after.start_time, 0);
    await shot(page, "06-re-rendered", card);
  });
});

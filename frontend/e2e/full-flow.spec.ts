import { statSync } from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { SCREENSHOT_DIR } from "./global-setup";
import { fillTalkUpload } from "./forms";

const email = `e2e-${Date.now()}@example.com`;
const password = "correct horse battery";

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

test("a new user turns a video into clips and manages them", async ({ page }) => {
  const sockets: string[] = [];
  page.on("websocket", (ws) => sockets.push(ws.url()));

  await test.step("unauthenticated visits go to the login page", async () => {
    await page.goto("/jobs");
    await expect(page).toHaveURL(/\/login\?next=%2Fjobs/);
  });

  await test.step("register", async () => {
    await page.goto("/register");
    await shot(page, "01-register");
    await page.getByLabel("Name (optional)").fill("E2E User");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page).toHaveURL(/\/login\?registered=1/);
  });

  await test.step("log in", async () => {
    await expect(page.getByLabel("Email")).toHaveValue(email);
    await page.getByLabel("Password").fill(password);
    await shot(page, "02-login");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();
    await expect(page.getByText("No jobs yet")).toBeVisible();
    await shot(page, "03-overview-empty");
  });

  let jobUrl = "";
  await test.step("create a job from an upload with captions", async () => {
    await page.getByRole("link", { name: "New job" }).first().click();
    await expect(page.getByRole("heading", { name: "New job" })).toBeVisible();
    await fillTalkUpload(page, { shortest: 5, longest: 15, count: 3 });
    await shot(page, "04-new-job");
    await page.getByRole("button", { name: "Create job" }).click();
    await expect(page).toHaveURL(/\/jobs\/[0-9a-f-]{36}$/, { timeout: 60_000 });
    jobUrl = page.url();
  });

  await test.step("progress updates live, without reloading", async () => {
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    await expect(page.getByTestId("job-title")).toBeVisible();
    await expect(page.locator('[data-status="completed"]').first()).toBeVisible({ timeout: 240_000 });
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    expect(sockets.some((u) => u.includes("/socket.io/"))).toBe(true);
    await expect(page.getByTestId("stage-rendering")).toHaveAttribute("data-state", "done");
  });

  await test.step("clips appear, on the timeline and in the transcript", async () => {
    await expect(page.getByTestId("clip-card").first()).toBeVisible();
    await expect(page.getByTestId("timeline-clip").first()).toBeVisible();
    await expect(page.getByTestId("transcript-highlight").first()).toBeVisible();
    await shot(page, "05-job-detail");
  });

  await test.step("play a clip from the timeline", async () => {
    await page.getByTestId("timeline-clip").first().click();
    const video = page.getByTestId("clip-video");
    await expect(video).toBeVisible();
    await page.waitForFunction(() => {
      const v = document.querySelector<HTMLVideoElement>('[data-testid="clip-video"]');
      return !!v && v.readyState >= 2 && v.duration > 0;
    });
  });

  await test.step("edit a clip's title", async () => {
    const card = page.getByTestId("clip-card").first();
    await card.getByRole("button", { name: /^Edit / }).click();
    // exact: the editor also has the hook-title checkbox ("Title over the first seconds").
    await card.getByLabel("Title", { exact: true }).fill("My best moment");
    await card.getByRole("button", { name: "Save" }).click();
    await expect(card.getByTestId("clip-title")).toContainText("My best moment");
    await page.reload();
    await expect(page.getByTestId("clip-title").filter({ hasText: "My best moment" })).toBeVisible();
  });

  await test.step("download the clip", async () => {
    const card = page.getByTestId("clip-card").filter({ hasText: "My best moment" });
    const downloadPromise = page.waitForEvent("download");
    await card.getByRole("link", { name: /Download MP4/ }).click();
    const download = await downloadPromise;
    expect(download.suggestedFilename()).toMatch(/\.mp4$/);
    const file = await download.path();
    expect(statSync(file).size).toBeGreaterThan(1000);
  });

  await test.step("the jobs and clips pages list the work", async () => {
    await page.goto("/jobs");
    await expect(page.getByTestId("job-row")).toHaveCount(1);
    await shot(page, "06-jobs");
    await page.goto("/clips");
    await expect(page.getByText("My best moment")).toBeVisible();
    await shot(page, "07-clips");
    await page.goto("/");
    await expect(page.getByTestId("count-completed")).toHaveText("1");
    await shot(page, "08-overview");
  });

  await test.step("change a setting and see it persist", async () => {
    await page.goto("/settings");
    const maxClips = page.getByLabel("Maximum clips");
    await maxClips.fill("7");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByText("Settings saved")).toBeVisible();
    await page.reload();
    await expect(page.getByLabel("Maximum clips")).toHaveValue("7");
    await shot(page, "09-settings");
  });

  await test.step("edit a criteria text and see a new revision", async () => {
    await page.goto("/criteria");
    await shot(page, "10-criteria");
    await page.getByRole("listitem").getByRole("link").first().click();
    const editor = page.getByLabel("Instructions");
    await expect(editor).not.toHaveValue("");
    await editor.press("End");
    await editor.fill(`${await editor.inputValue()}\nPrefer moments with a number in them.\n`);
    await expect(page.getByTestId("diff")).toContainText("Prefer moments with a number in them.");
    await page.getByRole("button", { name: "Save revision" }).click();
    await expect(page.getByTestId("revisions")).toContainText("Revision 1");
    await shot(page, "11-criteria-editor");
  });

  await test.step("phone width: the menu folds away", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(jobUrl);
    await page.getByRole("button", { name: "Open menu" }).click();
    await expect(page.locator("#mobile-nav")).toBeVisible();
    await shot(page, "12-job-detail-phone");
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await test.step("log out", async () => {
    await page.goto("/");
    await page.getByRole("button", { name: "Log out" }).click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto("/clips");
    await expect(page).toHaveURL(/\/login/);
  });
});

import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { MEDIA_DIR } from "../global-setup";

/**
 * A server without YouTube (playwright.unconfigured.config.ts starts it with no GOOGLE_*):
 * every dashboard page loads without one console error, although each reads GET /api/v1/youtube
 * (200, `configured: false`), and the YouTube pages say which settings turn publishing on.
 */
const email = `noyt-${Date.now()}@example.com`;
const password = "correct horse battery";

async function csrf(page: Page): Promise<string> {
  return (await page.context().cookies()).find((c) => c.name === "csrf_access_token")?.value ?? "";
}

async function completedJob(page: Page): Promise<string> {
  const created = await page.request.post("/api/v1/jobs", {
    headers: { "X-CSRF-TOKEN": await csrf(page) },
    multipart: {
      file: { name: "talk.mp4", mimeType: "video/mp4", buffer: readFileSync(path.join(MEDIA_DIR, "talk.mp4")) },
      captions: { name: "talk.vtt", mimeType: "text/vtt", buffer: readFileSync(path.join(MEDIA_DIR, "talk.vtt")) },
      options: JSON.stringify({ min_clip_duration: 5, max_clip_duration: 15, max_clips: 2 }),
    },
  });
  expect(created.status()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  await expect
    .poll(async () => ((await (await page.request.get(`/api/v1/jobs/${id}`)).json()) as { status: string }).status, { timeout: 240_000 })
    .toBe("completed");
  return id;
}

test("no dashboard page logs an error on a server without YouTube", async ({ page }) => {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => errors.push(e.message));

  expect((await page.request.post("/api/v1/auth/register", { data: { email, password } })).status()).toBe(201);
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();

  const status = await page.request.get("/api/v1/youtube");
  expect(status.status()).toBe(200);
  expect(await status.json()).toMatchObject({ configured: false, connected: false, channel: null });

  const jobId = await completedJob(page);
  const criteria = ((await (await page.request.get("/api/v1/criteria")).json()) as { name: string }[])[0]!.name;
  const pages = ["/", "/jobs", "/jobs/new", `/jobs/${jobId}`, "/clips", "/publications", "/settings", "/criteria", `/criteria/${criteria}`];
  for (const url of pages) {
    await test.step(url, async () => {
      errors.length = 0;
      const response = await page.goto(url);
      expect(response?.status(), url).toBe(200);
      await page.waitForLoadState("networkidle");
      await expect(page.getByRole("status").filter({ hasText: /Loading|Checking your session/ })).toHaveCount(0);
      if (url === "/publications" || url === "/settings") {
        await expect(page.getByTestId("youtube-not-configured")).toContainText("GOOGLE_CLIENT_ID");
      }
      expect(errors, url).toEqual([]);
    });
  }
});

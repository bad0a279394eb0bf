import { readFileSync } from "node:fs";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { MEDIA_DIR } from "./global-setup";

/**
 * Every page, as a phone user with a finished job sees it: no sideways scrolling at 390 px,
 * nothing in the console, no serious or critical accessibility problem (axe-core), and the
 * dashboard's security headers on each answer.
 */
const email = `pages-${Date.now()}@example.com`;
const password = "correct horse battery";

async function csrf(page: Page): Promise<string> {
  return (await page.context().cookies()).find((c) => c.name === "csrf_access_token")?.value ?? "";
}

async function completedJob(page: Page, api: APIRequestContext): Promise<string> {
  const created = await api.post("/api/v1/jobs", {
    headers: { "X-CSRF-TOKEN": await csrf(page) },
    multipart: {
      file: { name: "talk.mp4", mimeType: "video/mp4", buffer: readFileSync(path.join(MEDIA_DIR, "talk.mp4")) },
      captions: { name: "talk.vtt", mimeType: "text/vtt", buffer: readFileSync(path.join(MEDIA_DIR, "talk.vtt")) },
      options: JSON.stringify({ min_clip_duration: 5, max_clip_duration: 15, max_clips: 3 }),
    },
  });
  expect(created.status()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  await expect
    .poll(async () => ((await (await api.get(`/api/v1/jobs/${id}`)).json()) as { status: string }).status, { timeout: 240_000 })
    .toBe("completed");
  return id;
}

async function expectPageHealthy(page: Page, url: string, errors: string[], status = 200) {
  errors.length = 0;
  const response = await page.goto(url);
  expect(response?.status(), url).toBe(status);
  await page.waitForLoadState("networkidle");
  await expect(page.getByRole("status").filter({ hasText: /Loading|Checking your session/ })).toHaveCount(0);
  const headers = response?.headers() ?? {};
  expect(headers["content-security-policy"], url).toContain("frame-ancestors 'none'");
  expect(headers["x-frame-options"], url).toBe("DENY");
  expect(headers["x-content-type-options"], url).toBe("nosniff");
  expect(headers["referrer-policy"], url).toBeTruthy();

  const overflow = await page.evaluate(() => {
    const el = document.scrollingElement!;
    // The innermost elements that reach past the right edge, to say what is too wide.
    const wide = [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > el.clientWidth + 0.5)
      .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > el.clientWidth + 0.5))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].slice(0, 4).join(".")} (${Math.round(e.getBoundingClientRect().right)}px)`);
    return { scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, wide };
  });
  expect.soft(overflow.scrollWidth, `${url} scrolls sideways: ${overflow.wide.join(", ")}`).toBeLessThanOrEqual(overflow.clientWidth);

  const axe = await new AxeBuilder({ page }).analyze();
  const bad = axe.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => `${n.target.join(" ")} ${n.any[0]?.message ?? ""}`).join(" | ")}`);
  expect.soft(bad, url).toEqual([]);
  // A 404 page answers 404, which the browser reports about the document itself.
  const own = `status of ${status} (Not Found) (${response?.url()})`;
  const expected = (e: string) => status !== 200 && e.endsWith(own);
  expect.soft(errors.filter((e) => !expected(e)), url).toEqual([]);
}

test("every page fits a phone, logs no errors and passes axe", async ({ page }) => {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.setViewportSize({ width: 390, height: 844 });

  await test.step("the login page, and a hostile ?next= that lands on the dashboard", async () => {
    expect((await page.request.post("/api/v1/auth/register", { data: { email, password } })).status()).toBe(201);
    await expectPageHealthy(page, "/login?next=/%5Cevil.example", errors);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();
  });

  const jobId = await completedJob(page, page.request);
  const criteria = ((await (await page.request.get("/api/v1/criteria")).json()) as { name: string }[])[0]!.name;
  const pages = [
    "/",
    "/jobs",
    "/jobs/new",
    `/jobs/${jobId}`,
    "/clips",
    "/settings",
    "/criteria",
    `/criteria/${criteria}`,
  ];
  for (const url of pages) await test.step(url, () => expectPageHealthy(page, url, errors));
  await test.step("a page that does not exist", () => expectPageHealthy(page, "/no-such-page", errors, 404));

  await test.step("a missing job is the job route's not-found page", async () => {
    await page.goto("/jobs/00000000-0000-4000-8000-000000000000");
    await expect(page.getByRole("heading", { name: "Job not found" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Back to jobs" })).toBeVisible();
  });
});

test("a missing criteria is the criteria route's not-found page", async ({ page }) => {
  const other = `nf-${Date.now()}@example.com`;
  expect((await page.request.post("/api/v1/auth/register", { data: { email: other, password } })).status()).toBe(201);
  expect((await page.request.post("/api/v1/auth/login", { data: { email: other, password } })).status()).toBe(200);
  await page.goto("/criteria/no_such_criteria");
  await expect(page.getByRole("heading", { name: "No such criteria" })).toBeVisible();
});

test("the dashboard refuses to be framed by another site", async ({ page, baseURL }) => {
  const response = await page.request.get("/login");
  expect(response.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(response.headers()["x-frame-options"]).toBe("DENY");
  // And a real browser obeys it: the framed login page never loads.
  await page.setContent(`<iframe id="f" src="${baseURL}/login"></iframe>`);
  await page.waitForTimeout(1500);
  const framed = page.frames().find((f) => f.url().includes("/login"));
  expect(await framed?.locator("form").count().catch(() => 0) ?? 0).toBe(0);
});

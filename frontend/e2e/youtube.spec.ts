import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";

/**
 * YouTube against the real backend, which runs here without Google settings: Settings explains
 * what to configure, the publications page is empty, and both pass axe.
 */
test("Settings explains an unconfigured YouTube; Publications is empty", async ({ page }) => {
  const email = `youtube-${Date.now()}@example.com`;
  const password = "correct horse battery";
  expect((await page.request.post("/api/v1/auth/register", { data: { email, password } })).status()).toBe(201);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));

  await page.goto("/login?next=%2Fsettings");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/settings$/);

  const help = page.getByTestId("youtube-not-configured");
  await expect(help).toBeVisible();
  for (const name of ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "GOOGLE_CLIENT_SECRETS_FILE", "TOKEN_ENCRYPTION_KEY"])
    await expect(help).toContainText(name);
  await expect(page.getByRole("button", { name: "Connect YouTube" })).toHaveCount(0);
  await expect(page.getByTestId("relink-banner")).toHaveCount(0);
  const serious = (await new AxeBuilder({ page }).analyze()).violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => v.id)).toEqual([]);

  // The narrowest width with the full navigation (lg): its six links and the account still fit.
  await page.setViewportSize({ width: 1024, height: 800 });
  const header = await page.locator("header").evaluate((h) => ({ scroll: h.scrollWidth, client: h.clientWidth }));
  expect(header.scroll).toBeLessThanOrEqual(header.client);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Publications" }).click();
  await expect(page).toHaveURL(/\/publications$/);
  await expect(page.getByText("Nothing published yet")).toBeVisible();
  const seriousPubs = (await new AxeBuilder({ page }).analyze()).violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(seriousPubs.map((v) => v.id)).toEqual([]);

  // The callback page without Google's answer says so instead of posting anything.
  await page.goto("/youtube/callback?error=access_denied");
  await expect(page.getByText("You did not allow access to the channel.")).toBeVisible();
  expect(errors).toEqual([]);
});

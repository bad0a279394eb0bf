import { expect, test } from "@playwright/test";

/** Settings → Account against the real backend: password change, then sign out everywhere. */
test("change the password, then sign out everywhere", async ({ page }) => {
  const email = `account-${Date.now()}@example.com`;
  const oldPassword = "correct horse battery";
  const newPassword = "staple battery horse";
  const registered = await page.request.post("/api/v1/auth/register", { data: { email, password: oldPassword } });
  expect(registered.status()).toBe(201);

  await page.goto("/login?next=%2Fsettings");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(oldPassword);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/settings$/);

  const form = page.getByRole("form", { name: "Change password" });
  await form.getByLabel("Current password").fill("not my password");
  await form.getByLabel("New password").fill(newPassword);
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(form.getByLabel("Current password")).toHaveAttribute("aria-invalid", "true");

  await form.getByLabel("Current password").fill(oldPassword);
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed")).toBeVisible();
  await expect(form.getByLabel("Current password")).toHaveValue("");

  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings/);

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(newPassword);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/settings$/);
});

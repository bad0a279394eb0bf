import { expect, test } from "@playwright/test";

// Next.js buffers proxied request bodies and silently cut them at 10 MB by default, which turned
// every real video upload through the dashboard into a broken request. A body well past that
// must reach the backend whole: a file that is not a video is then refused with a clear 415.
test("an upload larger than 10 MB reaches the API whole through the dashboard proxy", async ({ page }) => {
  const email = `big-${Date.now()}@example.com`;
  const password = "correct horse battery";
  const api = page.request;
  expect((await api.post("/api/v1/auth/register", { data: { email, password } })).status()).toBe(201);
  expect((await api.post("/api/v1/auth/login", { data: { email, password } })).status()).toBe(200);
  const csrf = (await page.context().cookies()).find((c) => c.name === "csrf_access_token")?.value ?? "";

  const response = await api.post("/api/v1/jobs", {
    headers: { "X-CSRF-TOKEN": csrf },
    multipart: { file: { name: "big.mp4", mimeType: "video/mp4", buffer: Buffer.alloc(12 * 1024 * 1024, 7) } },
  });
  expect(response.status()).toBe(415);
  expect((await response.json()).error.code).toBe("unsupported_media_type");
});

import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, devices } from "@playwright/test";

/**
 * End-to-end run against the real backend (SQLite, temporary DATA_DIR, real pipeline) and a
 * production build of the dashboard, in Debian's Chromium — Playwright never downloads a browser.
 *
 *   npm run e2e            (CHROMIUM_PATH overrides /usr/bin/chromium)
 */
const BACKEND_PORT = Number(process.env.E2E_BACKEND_PORT ?? 5055);
const FRONTEND_PORT = Number(process.env.E2E_FRONTEND_PORT ?? 3055);
const GOOGLE_PORT = Number(process.env.E2E_GOOGLE_PORT ?? 5056);
const backendUrl = `http://127.0.0.1:${BACKEND_PORT}`;
// E2E_BASE_URL: test a dashboard (and its backend) already running there instead of starting
// both, for quick iterations; the full run (scripts/frontend-test.sh) starts its own.
const external = process.env.E2E_BASE_URL;
const baseURL = external ?? `http://127.0.0.1:${FRONTEND_PORT}`;
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "..");

// Workers re-read this file; the environment carries the first process's choice to them.
process.env.E2E_DATA_DIR ??= mkdtempSync(path.join(tmpdir(), "viral-clipper-e2e-"));
const dataDir = process.env.E2E_DATA_DIR;
// The local Google (tests/youtube/google_server.py): OAuth, the Data API and its uploads. The
// specs read what it received through its /_emulator endpoints.
process.env.E2E_GOOGLE_URL ??= `http://127.0.0.1:${GOOGLE_PORT}/`;
const googleUrl = process.env.E2E_GOOGLE_URL;
// A Fernet key: 32 random bytes, URL-safe base64 with its padding.
process.env.E2E_TOKEN_KEY ??= `${randomBytes(32).toString("base64url")}=`;

export default defineConfig({
  testDir: "./e2e",
  // Those run against a server without YouTube: playwright.unconfigured.config.ts.
  testIgnore: ["unconfigured/**"],
  outputDir: "./test-results",
  globalSetup: "./e2e/global-setup.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 300_000,
  expect: { timeout: 15_000 },
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    acceptDownloads: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-quic",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], channel: undefined } }],
  webServer: external ? undefined : [
    {
      command: `.venv/bin/python -m tests.youtube.google_server --port ${GOOGLE_PORT}`,
      cwd: repoRoot,
      url: `${googleUrl}_emulator/log`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      command: `.venv/bin/python -m backend serve --port ${BACKEND_PORT}`,
      cwd: repoRoot,
      url: `${backendUrl}/health`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
      env: {
        DATA_DIR: dataDir,
        DATABASE_URL: "",
        APP_ENV: "development",
        BCRYPT_ROUNDS: "4",
        CORS_ORIGINS: baseURL,
        // Every test registers its own user from 127.0.0.1; the default 10/hour would trip.
        REGISTER_RATE_LIMIT: "1000 per hour",
        // YouTube through the local Google (the client the emulator knows).
        GOOGLE_CLIENT_ID: "local-client-id.apps.googleusercontent.com",
        GOOGLE_CLIENT_SECRET: "local-client-secret",
        GOOGLE_AUTH_URI: `${googleUrl}o/oauth2/auth`,
        GOOGLE_TOKEN_URI: `${googleUrl}token`,
        GOOGLE_REVOKE_URI: `${googleUrl}revoke`,
        YOUTUBE_API_BASE_URL: googleUrl,
        GOOGLE_REDIRECT_URI: `${baseURL}/youtube/callback`,
        TOKEN_ENCRYPTION_KEY: process.env.E2E_TOKEN_KEY,
        // Small chunks, so an upload of a short clip shows several progress events.
        YOUTUBE_UPLOAD_CHUNK_BYTES: String(256 * 1024),
      },
    },
    {
      // Rewrites are fixed at build time, so the e2e run builds its own copy (.next-e2e)
      // pointing at the e2e backend and leaves the developer's .next alone.
      command: `node_modules/.bin/next build && node_modules/.bin/next start -p ${FRONTEND_PORT}`,
      url: `${baseURL}/login`,
      timeout: 600_000,
      reuseExistingServer: false,
      stdout: "pipe",
      env: { BACKEND_URL: backendUrl, NEXT_DIST_DIR: ".next-e2e", NEXT_TELEMETRY_DISABLED: "1" },
    },
  ],
});

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

/**
 * The dashboard against a server WITHOUT YouTube (no GOOGLE_* settings): every page must still
 * load without a console error (CONTRACTS §10). Same browser and settings as playwright.config.ts,
 * its own backend and data; the dashboard build points at the same backend port, so after the
 * main run it can be reused (E2E_REUSE_BUILD=1, as scripts/frontend-test.sh does) instead of
 * built again.
 *
 *   npx playwright test -c playwright.unconfigured.config.ts
 */
const BACKEND_PORT = Number(process.env.E2E_BACKEND_PORT ?? 5055);
const FRONTEND_PORT = Number(process.env.E2E_FRONTEND_PORT ?? 3055);
const backendUrl = `http://127.0.0.1:${BACKEND_PORT}`;
const baseURL = `http://127.0.0.1:${FRONTEND_PORT}`;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.env.E2E_UNCONFIGURED_DATA_DIR ??= mkdtempSync(path.join(tmpdir(), "viral-clipper-e2e-noyt-"));
const build = process.env.E2E_REUSE_BUILD === "1" ? "test -f .next-e2e/BUILD_ID || node_modules/.bin/next build" : "node_modules/.bin/next build";

export default defineConfig({
  ...base,
  testDir: "./e2e/unconfigured",
  testIgnore: undefined,
  outputDir: "./test-results/unconfigured",
  reporter: [["list"]],
  use: { ...base.use, baseURL },
  webServer: [
    {
      command: `.venv/bin/python -m backend serve --port ${BACKEND_PORT}`,
      cwd: repoRoot,
      url: `${backendUrl}/health`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
      // No GOOGLE_* and no TOKEN_ENCRYPTION_KEY: YouTube is not configured. Empty values override
      // any the developer's environment carries.
      env: {
        DATA_DIR: process.env.E2E_UNCONFIGURED_DATA_DIR,
        DATABASE_URL: "",
        APP_ENV: "development",
        BCRYPT_ROUNDS: "4",
        CORS_ORIGINS: baseURL,
        REGISTER_RATE_LIMIT: "1000 per hour",
        GOOGLE_CLIENT_ID: "",
        GOOGLE_CLIENT_SECRET: "",
        GOOGLE_CLIENT_SECRETS_FILE: "",
        TOKEN_ENCRYPTION_KEY: "",
      },
    },
    {
      command: `${build} && node_modules/.bin/next start -p ${FRONTEND_PORT}`,
      url: `${baseURL}/login`,
      timeout: 600_000,
      reuseExistingServer: false,
      stdout: "pipe",
      env: { BACKEND_URL: backendUrl, NEXT_DIST_DIR: ".next-e2e", NEXT_TELEMETRY_DISABLED: "1" },
    },
  ],
});

#!/usr/bin/env bash
# The dashboard's checks: generated API types current, ESLint, TypeScript, unit tests (vitest),
# a clean production build, then Playwright end-to-end tests in Debian's Chromium against the
# real backend (started by the Playwright config on a temporary DATA_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/frontend-deps.sh
cd frontend
step() { printf '\n==> %s\n' "$*"; }
step "dashboard: API types match the backend's OpenAPI document"
spec_file=$(mktemp --suffix=.json)
# From the repository root, so this checkout's backend is the one imported (not an installed copy).
(cd .. && .venv/bin/python -m backend openapi) > "$spec_file"
npm run --silent check:api -- "$spec_file"
rm -f "$spec_file"
step "dashboard: ESLint"
npm run --silent lint
step "dashboard: TypeScript"
npm run --silent typecheck
step "dashboard: unit tests (vitest)"
npm run --silent test
step "dashboard: production build"
rm -rf .next .next-e2e
npm run --silent build
step "dashboard: end-to-end (Playwright, Chromium)"
npm run --silent e2e
step "dashboard: end-to-end on a server without YouTube (Playwright, Chromium)"
# The same dashboard build (it points at the same backend port): not built a second time.
E2E_REUSE_BUILD=1 npx playwright test -c playwright.unconfigured.config.ts

#!/usr/bin/env bash
# Runs every check and test: lint, types, backend tests on SQLite and PostgreSQL, the dashboard's
# unit tests, build and browser end-to-end tests. `make test` calls this; so does CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh test
scripts/venv.sh dev
scripts/ensure-services.sh

step() { printf '\n==> %s\n' "$*"; }

step "ruff (lint + format check)"
.venv/bin/ruff check backend tests bench migrations
.venv/bin/ruff format --check backend tests bench migrations

step "mypy"
.venv/bin/mypy

step "backend tests on SQLite"
.venv/bin/pytest -q

step "backend tests on PostgreSQL (a throwaway database per run)"
# The pipeline's tests never touch the database; the rest run again on PostgreSQL.
# tests/storage start a real S3 server (SeaweedFS `weed`, from requirements-dev.txt) on loopback;
# tests/scaleout (real Celery worker processes on Redis, JOB_BACKEND=celery) runs only here: it
# skips on SQLite.
TEST_DB=postgresql .venv/bin/pytest -q tests/api tests/core tests/jobs tests/realtime tests/youtube tests/work tests/storage tests/scaleout

if [ -f frontend/package.json ]; then
  scripts/frontend-test.sh
fi

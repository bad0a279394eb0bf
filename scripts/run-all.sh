#!/usr/bin/env bash
# Serves the API (:5000) and the dashboard (:3000) together; Ctrl-C stops both.
# The dashboard proxies /api and /socket.io to the API, so cookies stay same-site.
set -euo pipefail
cd "$(dirname "$0")/.."
api_port="${PORT:-5000}"
web_port="${WEB_PORT:-3000}"
scripts/frontend-deps.sh
lock_digest=$(cat frontend/package-lock.json | sha256sum | cut -d' ' -f1)
source_digest=$(cd frontend && find . \( -name node_modules -o -name '.next*' -o -name e2e -o -name tests \
  -o -name test-results -o -name playwright-report -o -name e2e-screenshots \) -prune -o -type f -print0 \
  | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
# Next.js fixes its proxy rewrites at build time, so the API address is part of the build key.
export BACKEND_URL="http://127.0.0.1:$api_port"
export NEXT_TELEMETRY_DISABLED=1
build_key="$lock_digest$source_digest$BACKEND_URL"
if [ "$(cat frontend/.next/.built-from 2>/dev/null)" != "$build_key" ]; then
  echo "Building the dashboard ..."
  (cd frontend && rm -rf .next && npm run --silent build)
  echo "$build_key" > frontend/.next/.built-from
fi
.venv/bin/python -m backend serve --host 127.0.0.1 --port "$api_port" &
api_pid=$!
trap 'kill $api_pid 2>/dev/null; wait $api_pid 2>/dev/null' EXIT INT TERM
echo "Dashboard on http://127.0.0.1:$web_port  (API on http://127.0.0.1:$api_port)"
cd frontend && npx next start -H "${HOST:-127.0.0.1}" -p "$web_port"

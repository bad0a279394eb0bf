#!/usr/bin/env bash
# Runs Viral Clipper on its embedded defaults (SQLite + ./data), installing what is missing:
# the API with Socket.IO and the job workers on :5000, and the dashboard on :3000 when present.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh run
scripts/venv.sh
if [ -f frontend/package.json ]; then
  exec scripts/run-all.sh
fi
exec .venv/bin/python -m backend serve --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"

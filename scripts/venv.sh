#!/usr/bin/env bash
# Creates .venv and installs the Python requirements, again only when a requirements file changed.
#   scripts/venv.sh        -> requirements.txt
#   scripts/venv.sh dev    -> requirements-dev.txt (tests, lint, type checks)
set -euo pipefail
cd "$(dirname "$0")/.."
file=requirements.txt
[ "${1:-}" = "dev" ] && file=requirements-dev.txt
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Python 3.11 or newer is needed (found: $("$python" --version 2>&1))." >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=".venv/.installed-$(basename "$file" .txt)"
digest=$(cat requirements*.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
  echo "Installing Python packages from $file ..."
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$file"
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -r requirements-nodeps.txt
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
  echo "$digest" > "$stamp"
fi

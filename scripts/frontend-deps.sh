#!/usr/bin/env bash
# Installs the dashboard's npm packages (again only when package-lock.json changed).
set -euo pipefail
cd "$(dirname "$0")/../frontend"
stamp=node_modules/.installed-lock
digest=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
  echo "Installing the dashboard's npm packages ..."
  npm ci --no-audit --no-fund --loglevel=error
  echo "$digest" > "$stamp"
fi

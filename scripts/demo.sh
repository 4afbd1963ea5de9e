#!/usr/bin/env bash
# One command from a fresh clone to the demo on simulated hardware:
#   ./scripts/demo.sh
# Checks Node >= 20, installs the compilers the native modules need (better-sqlite3, onoff's epoll, unix-dgram)
# if they are missing, installs the npm dependencies and runs `pintu demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1; then
  echo "Node.js >= 20 is needed. Debian 13 / Raspberry Pi OS Trixie: sudo apt-get install nodejs npm" >&2
  echo "Bookworm's apt has Node 18: install Node 20 from NodeSource (deb.nodesource.com) or upgrade to Trixie." >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "Node.js $(node -v) is too old: pintu needs >= 20 (Bookworm's apt has 18; use NodeSource's Node 20 or Trixie)." >&2
  exit 1
fi
missing=()
for tool in make g++ python3; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing build tools for the native modules: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq build-essential python3
fi
[ -d node_modules ] && [ -f dist/src/cli/index.js ] || npm ci --no-audit --no-fund
exec node dist/src/cli/index.js demo "$@"

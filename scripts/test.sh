#!/usr/bin/env bash
# Runs every test: TypeScript checks, unit tests, the training tests (pytest), then the e2e and
# integration tests against a real PostgreSQL server, PGlite, Redis and a model our pipeline trained.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "set-up (dependencies, PostgreSQL, Redis)"
bash scripts/setup.sh --services
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://parley:parley@127.0.0.1:5432/parley_test}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"

step "default model (trained once, cached under models/)"
bash scripts/ensure-model.sh

step "lint and types"
npm run --silent lint
npm run --silent typecheck

step "unit tests (jest)"
npx jest --selectProjects unit --passWithNoTests

step "training tests (pytest)"
.venv/bin/python -m ruff check training
.venv/bin/python -m mypy --config-file training/pyproject.toml training/src/nlu_training
.venv/bin/python -m pytest training/tests -q -p no:cacheprovider

step "integration and e2e tests (jest, real PostgreSQL + PGlite + socket.io)"
npx jest --selectProjects e2e --runInBand --passWithNoTests

step "browser tests (jest + playwright-core, headless Chromium: widget, agent console, admin area)"
npx jest --selectProjects browser --runInBand

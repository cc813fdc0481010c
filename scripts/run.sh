#!/usr/bin/env bash
# One command to run Parley on a fresh machine: installs what it needs, trains the default model if
# none exists, starts the server on the embedded database (PGlite) and prints the widget URL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/ensure-model.sh
exec npm run --silent start

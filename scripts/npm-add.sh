#!/usr/bin/env bash
# Serialises changes to package.json / node_modules between people working in one checkout.
#   scripts/npm-add.sh install --save-exact pkg@1.2.3
#   scripts/npm-add.sh pkg set scripts.foo="node foo.js"
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>/tmp/parley-npm.lock
flock 9
npm "$@"

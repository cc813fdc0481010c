#!/usr/bin/env bash
# Trains and exports the default support model into models/default unless a valid one is there.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${PARLEY_MODEL_DIR:-models/default}"
if [ -f "$out/manifest.json" ] && [ -f "$out/model.int8.onnx" ]; then
  echo "[model] using $out ($(grep -o '"version": *"[^"]*"' "$out/manifest.json" | head -1))"
  exit 0
fi
echo "[model] no model at $out: training the default support model (Bitext, CPU ≈ 10 min)"
.venv/bin/python -m nlu_training all --config training/configs/support.toml --out "$out"

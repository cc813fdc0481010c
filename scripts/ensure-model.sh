#!/usr/bin/env bash
# Makes sure models/default is the model the current training config + data would produce: (re)trains and
# exports it when there is none, or when its manifest's data hash, config or base weights differ from
# training/configs/support.toml and the data it names (python -m nlu_training fingerprint). Says which.
# PARLEY_MODEL_DIR: another folder; PARLEY_MODEL_STALE_OK=1: keep a stale model (say so, do not retrain).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${PARLEY_MODEL_DIR:-models/default}"
config=training/configs/support.toml
reason="no model at $out"
if [ -f "$out/manifest.json" ] && [ -f "$out/model.int8.onnx" ]; then
  set +e
  check="$(.venv/bin/python -m nlu_training fingerprint --config "$config" --model "$out" 2>&1)"
  rc=$?
  set -e
  version="$(grep -o '"version": *"[^"]*"' "$out/manifest.json" | head -1)"
  if [ "$rc" -eq 0 ]; then
    echo "[model] using $out ($version): matches $config and its data"
    exit 0
  fi
  if [ "$rc" -ne 3 ]; then
    echo "[model] cannot fingerprint $config: $check" >&2
    exit "$rc"
  fi
  # e.g. "stale": ["data", "config"]: which of the data hash / training config / base weights changed.
  stale="$(printf '%s' "$check" | grep -o '"stale": *\[[^]]*\]' | sed 's/"stale": *//')"
  reason="$out ($version) is stale: $stale differ from $config"
  if [ "${PARLEY_MODEL_STALE_OK:-0}" = "1" ]; then
    echo "[model] $reason; keeping it (PARLEY_MODEL_STALE_OK=1)"
    exit 0
  fi
fi
echo "[model] $reason: training the default support model (Bitext + out-of-scope sample, CPU ≈ 10 min)"
.venv/bin/python -m nlu_training all --config "$config" --out "$out"

#!/usr/bin/env bash
# The GPU check of issue #2: SNIPS, 3 epochs of training/configs/snips.toml, on a lent GPU machine (the `device`
# tool: one H200, PyTorch/transformers/onnx/onnxruntime installed, nothing downloadable, 64 MiB of carried files).
#
#   bash scripts/gpu-check.sh prepare   # here: the base in fp16 (~44 MiB) and SNIPS in canonical form, in var/gpu
#   device run: command "bash scripts/gpu-check.sh run", carry ["var/gpu"], timeout_s 480
#   bash scripts/gpu-check.sh run       # there: writes $OUT/environment.json, $OUT/train.log and
#                                       # $OUT/training-snips-gpu.json (wall time, samples/s, dev metrics)
#   bash scripts/gpu-check.sh record DIR  # here: copies DIR/training-snips-gpu.json to bench/results/
#
# `run` is our own training loop (python -m nlu_training train), not a separate benchmark: bf16 autocast and TF32 on
# the GPU, fp32 master weights. On a machine without CUDA it stops before training (exit 3), unless
# GPU_CHECK_DEVICE=cpu (the test suite's dry run, with GPU_CHECK_MAX_STEPS to keep it short).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD/training/src${PYTHONPATH:+:$PYTHONPATH}"
dir=${GPU_CHECK_DIR:-var/gpu}  # what travels: base/ (pack-base) and snips/ (canonical train/dev/test.jsonl)

case "${1:-}" in
prepare)
  py=${PYTHON:-.venv/bin/python}
  "$py" -m nlu_training pack-base --out "$dir/base"
  "$py" -m nlu_training prepare --source jointbert --input "${SNIPS_DIR:-../shared/data/snips}" --out "$dir/snips" >/dev/null
  du -sh "$dir"
  echo "ready: run \"bash scripts/gpu-check.sh run\" on the device with carry [\"$dir\"]"
  ;;
run)
  py=${PYTHON:-python3}
  out=${OUT:?OUT must name the folder for results (the device tool sets it)}
  device=${GPU_CHECK_DEVICE:-cuda}
  [ -f "$dir/base/model.safetensors" ] && [ -f "$dir/snips/train.jsonl" ] || {
    echo "$dir is incomplete: run 'bash scripts/gpu-check.sh prepare' here and carry $dir" >&2
    exit 2
  }
  mkdir -p "$out"
  # What the machine has, written first so that a failed run still says why.
  "$py" - "$out/environment.json" <<'EOF'
import json, platform, sys
env = {"python": platform.python_version()}
try:
    import torch, transformers
    env |= {"torch": torch.__version__, "transformers": transformers.__version__, "cuda": torch.version.cuda,
            "cuda_available": torch.cuda.is_available(),
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
            "bf16": torch.cuda.is_available() and torch.cuda.is_bf16_supported()}
except Exception as e:  # the report is the point: say what failed
    env["error"] = f"{type(e).__name__}: {e}"
json.dump(env, open(sys.argv[1], "w"), indent=2)
print(json.dumps(env))
EOF
  if [ "$device" = cuda ] && ! "$py" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
    echo "no CUDA device here (set GPU_CHECK_DEVICE=cpu for a dry run)" >&2
    exit 3
  fi
  run_dir=$(mktemp -d)  # checkpoints stay on the machine; only the summaries come back
  sets=(--set epochs=3 --set "device=$device")
  [ -n "${GPU_CHECK_MAX_STEPS:-}" ] && sets+=(--set "max_steps=$GPU_CHECK_MAX_STEPS")
  start=$(date +%s.%N)
  "$py" -m nlu_training train --config training/configs/snips.toml "${sets[@]}" \
    --base "$dir/base" --data "$dir/snips" --out "$run_dir" 2>&1 | tee "$out/train.log"
  end=$(date +%s.%N)
  cp "$run_dir/train_summary.json" "$out/"
  rm -rf "$run_dir"
  "$py" - "$out" "$start" "$end" "$dir" <<'EOF'
import json, sys
from datetime import datetime, timezone
out, start, end, carried = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
s = json.load(open(f"{out}/train_summary.json"))
env = json.load(open(f"{out}/environment.json"))
packed = json.load(open(f"{carried}/base/PACKED.json"))
result = {
    "dataset": "snips",
    "config": "training/configs/snips.toml",
    "overrides": ["epochs=3"],
    "epochs_run": s["epochs_run"],
    "train_seconds": s["train_seconds"],
    "command_seconds": round(end - start, 1),
    "samples_per_second": s["samples_per_second"],
    "seconds_per_epoch": [round(h["seconds"], 1) for h in s["history"]],
    "device": s["device"],
    "precision": "bf16 autocast, TF32 matmuls, fp32 master weights" if s["device"].startswith("cuda") else "fp32",
    "base_model": "sentence-transformers/all-MiniLM-L6-v2",
    "base_weights": f"{packed['dtype']} copy ({packed['bytes']} bytes, nlu_training pack-base)",
    "dev": s["best_dev"],
    "goal": "3 epochs in <= 60 s on one H200",
    "goal_met": s["device"].startswith("cuda") and s["train_seconds"] <= 60,
    "environment": env,
    "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
}
json.dump(result, open(f"{out}/training-snips-gpu.json", "w"), indent=2)
print(json.dumps({k: result[k] for k in ("train_seconds", "samples_per_second", "device", "goal_met")}))
EOF
  ;;
record)
  src=${2:?usage: gpu-check.sh record DIR}
  cp "$src/training-snips-gpu.json" bench/results/training-snips-gpu.json
  echo "wrote bench/results/training-snips-gpu.json"
  ;;
*)
  echo "usage: bash scripts/gpu-check.sh prepare | run | record DIR" >&2
  exit 64
  ;;
esac

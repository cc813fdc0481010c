"""Scores exported model folders (the ONNX graph the servers run) on canonical JSON Lines files.

Used by the promotion gate to compare a candidate with the active model on the same data; the metric
code is evaluate.compute_metrics, the same one the training report uses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from transformers import AutoTokenizer

from . import export as ex
from .config import same_name
from .data import read_jsonl
from .encode import Labels, encode_all
from .evaluate import compute_metrics, predict
from .readers import DataError

VARIANT_FILES = {"fp32": "model.onnx", "int8": "model.int8.onnx"}


def score_model(model_dir: Path, data_files: list[Path], variant: str = "int8", batch_size: int = 64) -> dict[str, Any]:
    """{"dir", "version", "variant", "intents", "sets": {<file stem>: metrics}} for one model folder."""
    manifest_path = model_dir / "manifest.json"
    if not manifest_path.is_file():
        raise DataError(manifest_path, 0, "missing_file", "not a model folder (no manifest.json)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    labels = Labels.load(model_dir / "labels.json")
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    sess = ex.session(model_dir / VARIANT_FILES[variant])
    max_len = int(manifest["max_seq_len"])
    sets = {path.stem: score_file(sess, path, tokenizer, labels, max_len, batch_size) for path in data_files}
    return {
        "dir": str(model_dir),
        "version": manifest.get("version"),
        "variant": variant,
        "intents": labels.intents,
        "sets": sets,
    }


def score_file(sess: Any, path: Path, tokenizer: Any, labels: Labels, max_len: int, batch_size: int) -> dict[str, Any]:
    """evaluate.compute_metrics of one ONNX session on one canonical file (a missing or bad file is a DataError)."""
    data = encode_all(read_jsonl(path), tokenizer, labels, max_len)
    return compute_metrics(data, predict(ex.onnx_predictor(sess), data, labels, batch_size), labels)


def check_distinct_names(data_files: list[Path]) -> None:
    """Two files of one name are refused (config.same_name)."""
    pair = same_name(data_files)
    if pair is not None:
        raise DataError(pair[1], 0, "duplicate_name", f"results are keyed by file name; {pair[0]} has it too")


def score_models(
    model_dirs: list[Path], data_files: list[Path], out: Path | None, variant: str = "int8"
) -> dict[str, Any]:
    check_distinct_names(data_files)
    result = {"models": [score_model(d, data_files, variant) for d in model_dirs]}
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return result

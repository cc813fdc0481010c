"""One real tiny training run per session (real MiniLM weights, real ONNX export), shared by tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from nlu_training.config import TrainConfig, load_config, resolve_base
from nlu_training.pipeline import run_all

TINY = Path(__file__).resolve().parents[1] / "configs" / "tiny.toml"


@dataclass
class TinyRun:
    cfg: TrainConfig
    base: Path
    work: Path
    model_dir: Path
    manifest: dict[str, Any]


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> TinyRun:
    root = tmp_path_factory.mktemp("tiny")
    cfg = load_config(TINY)
    base = resolve_base(None)
    manifest = run_all(cfg, base, root / "model", root / "work")
    return TinyRun(cfg, base, root / "work", root / "model", manifest)

"""pack-base and the GPU check script that carries its output: a half-precision base that still trains."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from nlu_training.config import ConfigError, resolve_base
from nlu_training.model import build_model
from nlu_training.pack import CARRY_LIMIT_BYTES, pack_base

REPO = Path(__file__).resolve().parents[2]
BITEXT = REPO / "training" / "data" / "bitext"
IDS = torch.tensor([[101, 2023, 2003, 1037, 3231, 102], [101, 7592, 2088, 102, 0, 0]])
MASK = (IDS != 0).long()


@pytest.fixture(scope="module")
def packed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gpu") / "base"
    pack_base(resolve_base(None), out)
    return out


def test_the_packed_base_fits_the_carry_limit_and_keeps_the_licence(packed: Path) -> None:
    info = json.loads((packed / "PACKED.json").read_text())
    size = sum(p.stat().st_size for p in packed.iterdir())
    assert size <= CARRY_LIMIT_BYTES and info["bytes"] <= size
    assert {"config.json", "vocab.txt", "tokenizer.json", "README.md"} <= set(os.listdir(packed))
    assert "license: apache-2.0" in (packed / "README.md").read_text()  # the weights' licence travels with them
    tensors = load_file(str(packed / "model.safetensors"))
    original = load_file(str(resolve_base(None) / "model.safetensors"))
    assert tensors.keys() == original.keys()  # same names: loads wherever the original did
    assert {t.dtype for t in tensors.values() if t.is_floating_point()} == {torch.float16}


def test_a_half_precision_base_trains_as_fp32_and_computes_what_the_original_does(packed: Path) -> None:
    torch.manual_seed(0)
    original = build_model(resolve_base(None), 3, 5, dropout=0.0).eval()
    torch.manual_seed(0)
    half = build_model(resolve_base(packed), 3, 5, dropout=0.0).eval()
    assert {p.dtype for p in half.parameters()} == {torch.float32}  # fp32 master weights
    with torch.no_grad():
        _, _, want = original(IDS, MASK)
        _, _, got = half(IDS, MASK)
    assert (got - want).abs().max() < 5e-3  # fp16 rounding of the weights only


def test_a_pack_over_the_limit_is_refused_and_leaves_the_old_folder(packed: Path, tmp_path: Path) -> None:
    out = tmp_path / "base"
    out.mkdir()
    (out / "keep").write_text("previous pack")
    with pytest.raises(ConfigError, match="over the 1 MiB limit"):
        pack_base(resolve_base(None), out, limit_bytes=2**20)
    assert (out / "keep").read_text() == "previous pack"
    assert not (tmp_path / "base.partial").exists()
    with pytest.raises(ConfigError, match="dtype"):
        pack_base(resolve_base(None), out, dtype="int4")
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(ConfigError, match="not a folder"):
        pack_base(resolve_base(None), tmp_path / "a-file")
    assert (tmp_path / "a-file").read_text() == "not a folder"


@pytest.mark.slow
def test_the_gpu_check_runs_end_to_end_on_what_it_carries(packed: Path, tmp_path: Path) -> None:
    """The device run, dry on CPU: the same script and carried folder, two optimizer steps."""
    carried = tmp_path / "carry"
    shutil.copytree(packed, carried / "base")
    shutil.copytree(BITEXT, carried / "snips")  # any canonical folder; SNIPS itself lives outside the repo
    out = tmp_path / "out"
    env = {
        **os.environ,
        "OUT": str(out),
        "PYTHON": sys.executable,
        "GPU_CHECK_DIR": str(carried),
        "GPU_CHECK_DEVICE": "cpu",
        "GPU_CHECK_MAX_STEPS": "2",
    }
    done = subprocess.run(["bash", "scripts/gpu-check.sh", "run"], cwd=REPO, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads((out / "training-snips-gpu.json").read_text())
    assert result["device"].startswith("cpu") and result["goal_met"] is False
    assert result["train_seconds"] > 0 and result["samples_per_second"] > 0
    assert set(result["dev"]) >= {"intent_accuracy", "slot_f1", "exact_match"}
    assert json.loads((out / "environment.json").read_text())["torch"] == torch.__version__
    # without CUDA and without the dry-run switch it stops before training, with its own exit code
    del env["GPU_CHECK_DEVICE"]
    env["OUT"] = str(tmp_path / "out2")
    refused = subprocess.run(["bash", "scripts/gpu-check.sh", "run"], cwd=REPO, env=env, capture_output=True, text=True)
    if not torch.cuda.is_available():
        assert refused.returncode == 3 and "no CUDA device" in refused.stderr

"""A base model folder small enough to travel: half-precision weights, the tokenizer and the licence.

The GPU check (scripts/gpu-check.sh) runs on a machine that can download nothing and receives only
the working tree plus up to 64 MiB of carried, git-ignored files. all-MiniLM-L6-v2's fp32 weights are
87 MiB; stored as fp16 they are half that. Training loads any base as fp32 master weights
(model.build_model), so the only loss is the fp16 rounding of the pretrained values (about 1e-3
relative), far below what fine-tuning changes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from transformers import AutoModel

from .config import ConfigError

DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}
CARRY_LIMIT_BYTES = 64 * 1024 * 1024
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".h5", ".msgpack", ".onnx", ".ot", ".pt", ".pth")


def pack_base(base: Path, out: Path, dtype: str = "fp16", limit_bytes: int = CARRY_LIMIT_BYTES) -> dict[str, Any]:
    """Writes base's weights in `dtype` to out with every other top-level file of base copied unchanged
    (config, tokenizer, README and licence), replacing out only when the whole folder is written and
    within limit_bytes. Returns what PACKED.json records.

    A single model.safetensors is converted tensor by tensor under its own names, so the folder loads in
    any transformers version that loaded the original; other weight formats go through save_pretrained."""
    if dtype not in DTYPES:
        raise ConfigError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: exists and is not a folder")
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        for p in sorted(base.iterdir()):
            if p.is_file() and not p.name.endswith(WEIGHT_SUFFIXES):
                shutil.copy2(p, tmp / p.name)
        weights = base / "model.safetensors"
        if weights.is_file():
            tensors = load_file(str(weights))
            half = {k: v.to(DTYPES[dtype]) if v.is_floating_point() else v for k, v in tensors.items()}
            save_file(half, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        else:
            model = AutoModel.from_pretrained(str(base), local_files_only=True).to(DTYPES[dtype])
            model.save_pretrained(str(tmp), safe_serialization=True)
        files = sorted(p for p in tmp.rglob("*") if p.is_file())
        size = sum(p.stat().st_size for p in files)
        if size > limit_bytes:
            raise ConfigError(f"packed base is {size / 2**20:.1f} MiB, over the {limit_bytes / 2**20:.0f} MiB limit")
        info = {
            "source": str(base),
            "dtype": dtype,
            "bytes": size,
            "files": [str(p.relative_to(tmp)) for p in files],
        }
        (tmp / "PACKED.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return info

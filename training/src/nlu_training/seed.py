"""One place that makes a run repeatable: same seed + same data => same metrics."""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def seed_everything(seed: int) -> torch.Generator:
    """Seeds random, numpy and torch (CUDA too) and turns on deterministic kernels.
    Returns the generator the DataLoader shuffles with."""
    # cuBLAS needs this set before its first use to have deterministic GEMMs.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    # On a GPU a few kernels (attention backward, scatter-adds) have no deterministic version; there they warn
    # instead of stopping the run. On CPU every op used here is deterministic.
    torch.use_deterministic_algorithms(True, warn_only=torch.cuda.is_available())
    gen = torch.Generator()
    gen.manual_seed(seed)
    return gen


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def pick_device(requested: str, threads: int) -> torch.device:
    """GPU when present (TF32 on), CPU otherwise with one intra-op thread per available core."""
    if requested == "auto":
        requested = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(requested)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    torch.set_num_threads(threads if threads > 0 else available_cores())
    return device

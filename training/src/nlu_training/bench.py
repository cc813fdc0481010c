"""bench: a full `all` run, then test-split figures into bench/results/training-<dataset>.json."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .config import TrainConfig
from .pipeline import run_all

FIELDS = ("intent_accuracy", "intent_macro_f1", "slot_f1", "exact_match")


def run_bench(
    cfg: TrainConfig, base: Path, config_path: Path, out: Path | None, results: Path, overrides: list[str] | None = None
) -> dict[str, Any]:
    dataset = Path(cfg.data.path).name
    out = out or Path("var/bench") / dataset
    started = time.perf_counter()
    manifest = run_all(cfg, base, out, Path("var/bench") / f"{dataset}-work")
    wall = time.perf_counter() - started
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    tr, test, int8 = metrics["train"], metrics["test"], metrics["test_int8"]
    row: dict[str, Any] = {
        "dataset": dataset,
        "config": str(config_path),
        "overrides": overrides or [],
        "split": "test",
        "n_test": test["n"],
        **{k: round(test[k], 2) for k in FIELDS},
        "int8": {k: round(int8[k], 2) for k in FIELDS},
        "unseen_test_intents": test["unseen_gold_intents"],
        "train_seconds": tr["train_seconds"],
        "pipeline_seconds": round(wall, 1),
        "epochs": cfg.epochs,
        "epochs_run": tr["epochs_run"],
        "best_epoch": tr["best_epoch"],
        "samples_per_second": tr["samples_per_second"],
        "threads": tr["threads"],
        "device": tr["device"],
        "base_model": manifest["base_model"]["name"],
        "hyperparameters": {
            k: getattr(cfg, k)
            for k in (
                "max_seq_len",
                "batch_size",
                "lr",
                "head_lr",
                "warmup_ratio",
                "slot_loss_weight",
                "intent_label_smoothing",
                "layer_lr_decay",
                "dropout",
                "tag_layers",
                "freeze_embeddings",
                "crf",
                "entity_augment",
                "courtesy_augment",
                "patience",
                "seed",
            )
        },
        "evaluate": {
            name: {
                "n": v["fp32"]["n"],
                **{k: round(v["fp32"][k], 2) for k in FIELDS},
                "int8": {k: round(v["int8"][k], 2) for k in FIELDS},
            }
            for name, v in metrics.get("evaluate", {}).items()
        },
        "data_counts": manifest["data"],
        "calibration": manifest["calibration"],
        "thresholds": manifest["thresholds"],
        "model_version": manifest["version"],
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"training-{dataset}.json"
    path.write_text(json.dumps(row, indent=2) + "\n", encoding="utf-8")
    print(table(row))
    print(f"wrote {path}")
    return row


def table(row: dict[str, Any]) -> str:
    lines = [f"| {row['dataset']} (test, n={row['n_test']}) | fp32 | int8 |", "|---|---|---|"]
    lines += [f"| {k} | {row[k]:.2f} | {row['int8'][k]:.2f} |" for k in FIELDS]
    lines += [
        f"| train time | {row['train_seconds']} s, {row['epochs_run']}/{row['epochs']} epochs "
        f"(best {row['best_epoch']}) | {row['samples_per_second']} samples/s |",
        f"| device | {row['device']} | {row['threads']} threads |",
    ]
    for name, v in row.get("evaluate", {}).items():
        lines += [
            f"| {name} (n={v['n']}) {k} | {v[k]:.2f} | {v['int8'][k]:.2f} |"
            for k in ("intent_accuracy", "slot_f1", "exact_match")
        ]
    return "\n".join(lines)

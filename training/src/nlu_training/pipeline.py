"""The stages glued together: data -> train -> calibrate -> export -> parity -> report -> publish."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import AutoTokenizer

from . import export as ex
from .augment import augment, courtesy_augment, with_copies
from .augment import summary as augment_summary
from .calibrate import calibrate, route_stats, softmax
from .config import TrainConfig, build_config
from .data import load_merged, prepare, read_jsonl
from .encode import Labels, encode_all
from .evaluate import Predictions, compute_metrics, predict, torch_predictor
from .manifest import build_manifest, data_block
from .model import load_trained
from .oos import OOS_INTENT
from .progress import NO_PROGRESS, Progress
from .readers import Example
from .score import score_file
from .train import round_robin_subset, train

log = logging.getLogger("nlu_training")


def load_data(cfg: TrainConfig, work: Path) -> tuple[dict[str, list[Example]], dict[str, Any], Path]:
    """A canonical folder is used as is (frozen split); a raw source is prepared into work/data."""
    src = Path(cfg.data.path)
    if cfg.data.source == "canonical":
        data_dir = src
    else:
        data_dir = work / "data"
        prepare(
            cfg.data.source,
            src,
            data_dir,
            seed=cfg.data.split_seed,
            skip_invalid=cfg.data.skip_invalid,
            unseen_labels=cfg.data.unseen_labels,
        )
    splits, meta = load_merged(data_dir, cfg.data.extra)
    for path in cfg.data.evaluate:  # read now, so a missing or malformed file stops the run before training
        read_jsonl(Path(path))
    splits["train"] = round_robin_subset(splits["train"], cfg.data.max_train)
    for s in ("dev", "test"):
        splits[s] = round_robin_subset(splits[s], cfg.data.max_eval)
    # Train copies of each kind, made from the original train rows; their sha256 joins the data hash (meta[kind]).
    originals = splits["train"]
    for kind, make, rate in (
        ("entity_augment", augment, cfg.entity_augment),
        ("courtesy_augment", courtesy_augment, cfg.courtesy_augment),
    ):
        if rate:
            copies = make(originals, rate, cfg.seed)
            info = augment_summary(originals, copies)
            meta = {**meta, kind: info, "data_sha256": with_copies(meta["data_sha256"], info["sha256"], kind)}
            splits["train"] = splits["train"] + copies
    return splits, meta, data_dir


def write_run_info(
    run_dir: Path,
    data_dir: Path,
    base: Path,
    meta: dict[str, Any],
    splits: dict[str, list[Example]],
    summary: dict[str, Any],
) -> None:
    """What export/evaluate need to find the data and base again."""
    info = {
        "data_dir": str(data_dir.resolve()),
        "base": str(base),
        "data_meta": meta,
        "counts": {s: len(v) for s, v in splits.items()},
        "summary": summary,
    }
    (run_dir / "run_info.json").write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def run_all(
    cfg: TrainConfig, base: Path, out: Path, work: Path | None = None, progress: Progress = NO_PROGRESS
) -> dict[str, Any]:
    """prepare (if the config names a raw source) -> train -> export (calibrate, parity, report)."""
    work = work or Path("var/training") / out.name
    if (work / "run").exists():
        shutil.rmtree(work / "run")  # a stale best.pt from an older run must never be exported
    progress.emit("phase", phase="data")
    splits, meta, data_dir = load_data(cfg, work)
    run_dir = work / "run"
    progress.emit("phase", phase="training", train=len(splits["train"]), dev=len(splits["dev"]), epochs=cfg.epochs)
    summary = train(cfg, splits, base, run_dir, progress)
    write_run_info(run_dir, data_dir, base, meta, splits, summary)
    progress.emit("phase", phase="exporting")
    return export_run(run_dir, out)


def _run_context(run_dir: Path) -> tuple[TrainConfig, dict[str, Any], Labels, Any]:
    cfg = build_config(json.loads((run_dir / "config.json").read_text(encoding="utf-8")))
    info = json.loads((run_dir / "run_info.json").read_text(encoding="utf-8"))
    labels = Labels.load(run_dir / "labels.json")
    tokenizer = AutoTokenizer.from_pretrained(str(run_dir / "tokenizer"), local_files_only=True)
    return cfg, info, labels, tokenizer


def _trained_model(run_dir: Path, cfg: TrainConfig, labels: Labels) -> tuple[Any, Labels]:
    """The run's best checkpoint, and the labels with the CRF scores it learned (if it has a CRF)."""
    model = load_trained(run_dir, len(labels.intents), labels.tags, cfg.tag_layers)
    return model, labels.with_crf(model)


def _splits_for(cfg: TrainConfig, info: dict[str, Any]) -> dict[str, list[Example]]:
    splits, _ = load_merged(Path(info["data_dir"]), cfg.data.extra)
    for s in ("dev", "test"):
        splits[s] = round_robin_subset(splits[s], cfg.data.max_eval)
    return splits


def export_run(run_dir: Path, out: Path) -> dict[str, Any]:
    """Exports a trained run into `out` (replaced atomically) and returns the manifest."""
    cfg, info, labels, tokenizer = _run_context(run_dir)
    splits = _splits_for(cfg, info)
    torch.set_num_threads(ex.available_cores())
    model, labels = _trained_model(run_dir, cfg, labels)
    dev = encode_all(splits["dev"], tokenizer, labels, cfg.max_seq_len)
    test = encode_all(splits["test"], tokenizer, labels, cfg.max_seq_len)

    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        manifest = _export_into(tmp, model, cfg, info, labels, tokenizer, dev, test, splits)
        ex.publish(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("exported %s version %s", out, manifest["version"])
    return manifest


def _export_into(
    tmp: Path,
    model: Any,
    cfg: TrainConfig,
    info: dict[str, Any],
    labels: Labels,
    tokenizer: Any,
    dev: list[Any],
    test: list[Any],
    splits: dict[str, list[Example]],
) -> dict[str, Any]:
    ex.export_onnx(model, tmp / "model.raw.onnx")
    heads, hidden = model.encoder.config.num_attention_heads, model.encoder.config.hidden_size
    fused = ex.optimize_fp32(tmp / "model.raw.onnx", tmp / "model.onnx", heads, hidden)
    fp32 = ex.session(tmp / "model.onnx")
    max_diff = ex.fp32_parity(model, fp32, dev, labels, cfg.eval_batch_size)
    if max_diff > ex.MAX_LOGIT_DIFF:
        raise ex.ParityError(f"ONNX fp32 differs from torch by {max_diff:.2e} > {ex.MAX_LOGIT_DIFF}")
    int8_parity = _quantize(tmp, fp32, cfg, dev, labels)
    (tmp / "model.raw.onnx").unlink()

    dev_preds = predict(ex.onnx_predictor(fp32), dev, labels, cfg.eval_batch_size)
    gold_dev = np.array([e.intent for e in dev])
    oos = labels.intents.index(OOS_INTENT) if OOS_INTENT in labels.intents else None
    cal = calibrate(
        dev_preds.intent_logits,
        gold_dev,
        cfg.answer_precision,
        cfg.retrieval_precision,
        cfg.answer_floor,
        cfg.retrieval_floor,
        oos,
        cfg.oos_budget,
    )
    int8 = ex.session(tmp / "model.int8.onnx")
    test_preds = predict(ex.onnx_predictor(fp32), test, labels, cfg.eval_batch_size)
    test_fp32 = compute_metrics(test, test_preds, labels)
    test_int8 = compute_metrics(test, predict(ex.onnx_predictor(int8), test, labels, cfg.eval_batch_size), labels)
    dev_fp32 = compute_metrics(dev, dev_preds, labels)
    evaluated = _evaluate_files(cfg, tokenizer, labels, {"fp32": fp32, "int8": int8})

    tokenizer.save_pretrained(str(tmp))
    for extra in ("special_tokens_map.json", "vocab.txt"):
        if not (tmp / extra).exists() and (Path(info["base"]) / extra).is_file():
            shutil.copyfile(Path(info["base"]) / extra, tmp / extra)
    labels.save(tmp / "labels.json")
    (tmp / "config.json").write_text(json.dumps(cfg.to_dict(), indent=2) + "\n", encoding="utf-8")
    texts = [e["text"] for e in splits["dev"]]
    ex.write_jsonl(
        tmp / "parity.jsonl", ex.parity_rows(fp32, dev, texts, labels, cal["temperature"], cfg.parity_examples)
    )

    parity = {"fp32_max_abs_logit_diff": max_diff, "fused_ops": fused, **int8_parity}
    metrics = {
        "test": test_fp32,
        "test_int8": test_int8,
        **(_oos_metrics(test, test_preds, labels, oos, cal) if oos is not None else {}),
        "dev": dev_fp32,
        **({"evaluate": evaluated} if evaluated else {}),
        "calibration": cal,
        "parity": parity,
        "train": info["summary"],
        "data": data_block(info),
    }
    from .report import write_report  # matplotlib only where a report is written (not for `train`)

    write_report(tmp, metrics, labels, cfg)
    manifest = build_manifest(tmp, cfg, info, cal, test_fp32, parity)
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _evaluate_files(cfg: TrainConfig, tokenizer: Any, labels: Labels, sessions: dict[str, Any]) -> dict[str, Any]:
    """data.evaluate files scored by each exported graph: {file stem: {"file", "fp32": metrics, "int8": metrics}}."""
    out: dict[str, Any] = {}
    for path in map(Path, cfg.data.evaluate):
        scored = {}
        for variant, sess in sessions.items():
            metrics = score_file(sess, path, tokenizer, labels, cfg.max_seq_len, cfg.eval_batch_size)
            scored[variant] = {k: v for k, v in metrics.items() if k != "confusion"}  # test's has the matrix
        out[path.stem] = {"file": path.name, **scored}
    return out


def _oos_metrics(test: list[Any], preds: Any, labels: Labels, oos: int, cal: dict[str, Any]) -> dict[str, Any]:
    """The figures people compare (intent accuracy, slot F1, exact match) on the in-scope test rows
    only, and the routing on the whole test set at the calibrated answer cut-off."""
    keep = [i for i, e in enumerate(test) if e.intent != oos]
    sub = Predictions(preds.intent_logits[keep], [preds.spans[i] for i in keep], [preds.tag_ids[i] for i in keep])
    probs = softmax(preds.intent_logits, cal["temperature"])
    gold = np.array([e.intent for e in test])
    return {
        "test_in_scope": compute_metrics([test[i] for i in keep], sub, labels),
        "test_routing": route_stats(probs, gold, oos, cal["thresholds"]["answer"]),
    }


def _quantize(tmp: Path, fp32: Any, cfg: TrainConfig, dev: list[Any], labels: Labels) -> dict[str, Any]:
    """The first ex.INT8_VARIANTS entry that meets the parity bar (against the fused fp32 graph that
    ships as model.onnx); every variant tried is recorded. int8_per_channel = false skips per-channel."""
    tried: list[dict[str, Any]] = []
    for graph, per_channel, op_types in ex.INT8_VARIANTS:
        if per_channel and not cfg.int8_per_channel:
            continue
        src = tmp / ("model.onnx" if graph == "fused" else "model.raw.onnx")
        ex.quantize_int8(src, tmp / "model.int8.onnx", per_channel, op_types)
        p = ex.int8_parity(fp32, ex.session(tmp / "model.int8.onnx"), dev, labels, cfg.eval_batch_size)
        variant = {"graph": graph, "per_channel": per_channel, "op_types": list(op_types or ["default"])}
        tried.append({**variant, **p})
        if ex.int8_ok(p):
            return {**p, "int8_per_channel": per_channel, "int8_variant": variant, "int8_tried": tried}
    raise ex.ParityError(
        f"int8 model misses the parity bar (agreement >= {ex.MIN_INT8_AGREEMENT}%, slot F1 drop "
        f"<= {ex.MAX_INT8_SLOT_F1_DROP}): {tried}"
    )


def evaluate_run(run_dir: Path, data_file: Path) -> dict[str, Any]:
    """Scores the run's best checkpoint (torch) on any canonical JSON Lines file."""
    cfg, _, labels, tokenizer = _run_context(run_dir)
    torch.set_num_threads(ex.available_cores())
    model, labels = _trained_model(run_dir, cfg, labels)
    data = encode_all(read_jsonl(data_file), tokenizer, labels, cfg.max_seq_len)
    preds = predict(torch_predictor(model, torch.device("cpu")), data, labels, cfg.eval_batch_size)
    metrics = compute_metrics(data, preds, labels)
    (run_dir / f"eval-{data_file.stem}.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    return metrics

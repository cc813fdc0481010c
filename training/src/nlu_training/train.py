"""Fine-tuning loop: joint loss, AdamW, linear warm-up/decay, best checkpoint by dev score."""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader
from tqdm import tqdm
from transformers import AutoTokenizer

from .config import TrainConfig
from .encode import IGNORE, Encoded, Labels, collate, encode_all
from .evaluate import compute_metrics, dev_score, predict, torch_predictor
from .model import JointModel, build_model
from .progress import NO_PROGRESS, Progress
from .readers import Example
from .seed import pick_device, seed_everything

log = logging.getLogger("nlu_training")


def round_robin_subset(examples: list[Example], n: int) -> list[Example]:
    """First n examples taken one intent at a time, so a small subset still covers every intent."""
    if n <= 0 or n >= len(examples):
        return examples
    groups: dict[str, list[Example]] = defaultdict(list)
    for ex in examples:
        groups[ex["intent"]].append(ex)
    out: list[Example] = []
    for k in range(max(len(g) for g in groups.values())):
        for intent in sorted(groups):
            if k < len(groups[intent]) and len(out) < n:
                out.append(groups[intent][k])
    return out


def param_groups(model: JointModel, cfg: TrainConfig) -> list[dict[str, Any]]:
    """No weight decay on biases, LayerNorm and the layer-mix weights; the freshly initialised heads get
    head_lr; frozen parameters are left out. With layer_lr_decay < 1 the encoder's learning rate falls layer
    by layer from the top (lr) down to the embeddings (layer-wise learning-rate decay)."""
    groups: dict[tuple[float, bool], list[torch.nn.Parameter]] = defaultdict(list)
    layers = model.encoder.config.num_hidden_layers
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        no_decay = name.endswith(".bias") or "LayerNorm" in name or "layer_norm" in name or name == "tag_mix"
        lr = cfg.lr * cfg.layer_lr_decay ** encoder_depth(name, layers) if name.startswith("encoder.") else cfg.head_lr
        groups[(lr, no_decay)].append(p)
    return [
        {"params": ps, "lr": lr, "weight_decay": 0.0 if nd else cfg.weight_decay}
        for (lr, nd), ps in sorted(groups.items())
    ]


def encoder_depth(name: str, layers: int) -> int:
    """How many layers below the top an encoder parameter sits: 0 for the last layer (and the pooler), `layers`
    for the embeddings."""
    match = re.search(r"\.layer\.(\d+)\.", name)
    if match:
        return layers - 1 - int(match.group(1))
    return layers if ".embeddings." in name else 0


def linear_schedule(opt: torch.optim.Optimizer, warmup: int, total: int) -> torch.optim.lr_scheduler.LambdaLR:
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))

    return torch.optim.lr_scheduler.LambdaLR(opt, factor)


def train(
    cfg: TrainConfig,
    splits: dict[str, list[Example]],
    base: Path,
    run_dir: Path,
    progress: Progress = NO_PROGRESS,
) -> dict[str, Any]:
    """Trains, keeps the best dev checkpoint in run_dir/best.pt, returns the training summary."""
    gen = seed_everything(cfg.seed)
    device = pick_device(cfg.device, cfg.threads)
    run_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
    labels = Labels.from_train(splits["train"])
    train_enc = encode_all(splits["train"], tokenizer, labels, cfg.max_seq_len)
    dev_enc = encode_all(splits["dev"], tokenizer, labels, cfg.max_seq_len)
    has_entities = bool(labels.entity_types)

    model = build_model(
        base,
        len(labels.intents),
        len(labels.tags),
        cfg.dropout,
        tag_layers=cfg.tag_layers,
        freeze_embeddings=cfg.freeze_embeddings,
        crf_tags=labels.tags if cfg.crf else None,
    ).to(device)
    loader: DataLoader[Encoded] = DataLoader(
        train_enc,  # type: ignore[arg-type]  # a list is a valid map-style dataset
        batch_size=cfg.batch_size,
        shuffle=True,
        generator=gen,
        collate_fn=collate,
    )
    total = len(loader) * cfg.epochs
    if cfg.max_steps:
        total = min(total, cfg.max_steps)
    opt = torch.optim.AdamW(param_groups(model, cfg), lr=cfg.lr)
    sched = linear_schedule(opt, math.ceil(total * cfg.warmup_ratio), total)

    labels.save(run_dir / "labels.json")
    model.encoder.config.save_pretrained(str(run_dir / "encoder"))
    tokenizer.save_pretrained(str(run_dir / "tokenizer"))
    (run_dir / "config.json").write_text(json.dumps(cfg.to_dict(), indent=2) + "\n", encoding="utf-8")

    best, best_epoch, bad_epochs, seen = -1.0, 0, 0, 0
    best_metrics: dict[str, Any] = {}
    history: list[dict[str, Any]] = []
    start = time.perf_counter()
    for epoch in range(1, cfg.epochs + 1):
        steps_left = total - sum(h["steps"] for h in history)
        loss_sum, t0 = _run_epoch(model, loader, opt, sched, cfg, device, epoch, steps_left, progress)
        n_steps = min(len(loader), steps_left)
        seen += min(len(train_enc), n_steps * cfg.batch_size)
        metrics = _dev_metrics(model, dev_enc, labels, cfg, device)
        score = dev_score(metrics, has_entities)
        row = {
            "epoch": epoch,
            "steps": n_steps,
            "loss": loss_sum / max(1, n_steps),
            "seconds": time.perf_counter() - t0,
            "dev_intent_accuracy": metrics["intent_accuracy"],
            "dev_slot_f1": metrics["slot_f1"],
            "dev_exact_match": metrics["exact_match"],
            "dev_score": score,
        }
        history.append(row)
        progress.emit(
            "epoch",
            epoch=epoch,
            epochs=cfg.epochs,
            loss=round(row["loss"], 6),
            dev={k: metrics[k] for k in ("intent_accuracy", "intent_macro_f1", "slot_f1", "exact_match")},
        )
        log.info(
            "epoch %d/%d loss=%.4f dev_intent=%.2f dev_slot_f1=%.2f dev_exact=%.2f %.0fs",
            epoch,
            cfg.epochs,
            row["loss"],
            row["dev_intent_accuracy"],
            row["dev_slot_f1"],
            row["dev_exact_match"],
            row["seconds"],
        )
        if score > best:
            best, best_epoch, best_metrics, bad_epochs = score, epoch, metrics, 0
            torch.save(model.state_dict(), run_dir / "best.pt")
        else:
            bad_epochs += 1
        if bad_epochs >= cfg.patience or sum(h["steps"] for h in history) >= total:
            break
    seconds = time.perf_counter() - start
    summary = {
        "train_seconds": round(seconds, 1),
        "epochs_run": len(history),
        "best_epoch": best_epoch,
        "steps": sum(h["steps"] for h in history),
        "samples_per_second": round(seen / seconds, 1) if seconds else 0.0,
        "device": _device_name(device),
        "threads": torch.get_num_threads(),
        "train_examples": len(train_enc),
        "dev_examples": len(dev_enc),
        "snapped_spans_train": sum(e.snapped for e in train_enc),
        "truncated_train": sum(1 for e in train_enc if -1 in e.first_piece),
        "best_dev": {k: best_metrics[k] for k in ("intent_accuracy", "intent_macro_f1", "slot_f1", "exact_match")},
        "history": history,
    }
    (run_dir / "train_summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def joint_loss(
    model: JointModel,
    cfg: TrainConfig,
    intent_logits: torch.Tensor,
    tag_logits: torch.Tensor,
    batch: dict[str, torch.Tensor],
) -> torch.Tensor:
    """Intent cross entropy (label-smoothed by cfg.intent_label_smoothing) plus slot_loss_weight times the tag
    loss: the CRF's negative log-likelihood per word when the model has one, else per-word cross entropy."""
    loss = torch.nn.functional.cross_entropy(
        intent_logits.float(), batch["intent"], label_smoothing=cfg.intent_label_smoothing
    )
    if not cfg.slot_loss_weight:
        return loss
    if model.crf is not None:
        tag_loss = model.crf.nll(tag_logits.float(), batch["tags"], IGNORE)
    else:
        tag_loss = torch.nn.functional.cross_entropy(
            tag_logits.float().flatten(0, 1), batch["tags"].flatten(), ignore_index=IGNORE
        )
    return loss + cfg.slot_loss_weight * tag_loss


def _run_epoch(
    model: JointModel,
    loader: DataLoader,
    opt: torch.optim.Optimizer,
    sched: Any,
    cfg: TrainConfig,
    device: torch.device,
    epoch: int,
    steps_left: int,
    progress: Progress = NO_PROGRESS,
) -> tuple[float, float]:
    model.train()
    t0 = time.perf_counter()
    loss_sum = 0.0
    bar = tqdm(loader, desc=f"epoch {epoch}", total=min(len(loader), steps_left), disable=None, mininterval=2)
    for i, batch in enumerate(bar):
        if i >= steps_left:
            break
        batch = {k: v.to(device) for k, v in batch.items()}
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            intent_logits, tag_logits, _ = model(batch["input_ids"], batch["attention_mask"])
        loss = joint_loss(model, cfg, intent_logits, tag_logits, batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        sched.step()
        loss_sum += float(loss.item())
        progress.step(epoch, i + 1, min(len(loader), steps_left), float(loss.item()))
        bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    return loss_sum, t0


def _dev_metrics(
    model: JointModel, dev: list[Encoded], labels: Labels, cfg: TrainConfig, device: torch.device
) -> dict[str, Any]:
    model.eval()
    labels = labels.with_crf(model)  # decode with the CRF scores as they are now, as the export will
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
        preds = predict(torch_predictor(model, device), dev, labels, cfg.eval_batch_size)
    return compute_metrics(dev, preds, labels)


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    import platform

    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"

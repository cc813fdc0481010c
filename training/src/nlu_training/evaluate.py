"""Prediction and metrics: intent accuracy/macro-F1/per-intent, strict span F1, exact match."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .encode import Encoded, Labels, collate, decode_spans
from .words import Span

# (input_ids, attention_mask) -> (intent_logits, tag_logits) as numpy; torch or ONNX behind it
Predictor = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass
class Predictions:
    intent_logits: np.ndarray  # [n, n_intents]
    spans: list[list[Span]]
    tag_ids: list[list[int]]  # decoded tag index per word (valid BIO, decoding.py)


def torch_predictor(model: torch.nn.Module, device: torch.device) -> Predictor:
    def run(ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with torch.inference_mode():
            il, tl, _ = model(torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device))
        return il.float().cpu().numpy(), tl.float().cpu().numpy()

    return run


def predict(run: Predictor, data: list[Encoded], labels: Labels, batch_size: int) -> Predictions:
    logits, spans, tag_ids = [], [], []
    for i in range(0, len(data), batch_size):
        chunk = data[i : i + batch_size]
        batch = collate(chunk)
        il, tl = run(batch["input_ids"].numpy(), batch["attention_mask"].numpy())
        logits.append(il)
        for j, enc in enumerate(chunk):
            row_spans, word_tags = decode_spans(enc, tl[j, : len(enc.input_ids)], labels)
            tag_ids.append(word_tags)
            spans.append(row_spans)
    return Predictions(np.concatenate(logits) if logits else np.zeros((0, len(labels.intents))), spans, tag_ids)


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": 100 * p, "recall": 100 * r, "f1": 100 * f, "support": tp + fn}


def span_scores(gold: list[list[Span]], pred: list[list[Span]]) -> dict[str, Any]:
    """Strict span match: same start, end and label."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g, p in zip(gold, pred, strict=True):
        gs, ps = set(g), set(p)
        for s in gs & ps:
            tp[s.label] += 1
        for s in ps - gs:
            fp[s.label] += 1
        for s in gs - ps:
            fn[s.label] += 1
    types = sorted(set(tp) | set(fp) | set(fn))
    overall = _prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return {"overall": overall, "per_type": {t: _prf(tp[t], fp[t], fn[t]) for t in types}}


def compute_metrics(data: list[Encoded], preds: Predictions, labels: Labels) -> dict[str, Any]:
    gold_i = np.array([e.intent for e in data])
    pred_i = preds.intent_logits.argmax(-1) if len(data) else np.zeros(0, dtype=int)
    correct = gold_i == pred_i  # an unseen gold intent (-1) never matches
    per_intent = {}
    for k, name in enumerate(labels.intents):
        tp = int(((pred_i == k) & (gold_i == k)).sum())
        per_intent[name] = _prf(
            tp, int(((pred_i == k) & (gold_i != k)).sum()), int(((pred_i != k) & (gold_i == k)).sum())
        )
    present = [v["f1"] for v in per_intent.values() if v["support"] > 0]
    spans = span_scores([e.gold for e in data], preds.spans)
    exact = [bool(c) and set(e.gold) == set(p) for c, e, p in zip(correct, data, preds.spans, strict=True)]
    n = max(len(data), 1)
    return {
        "n": len(data),
        "intent_accuracy": 100 * float(correct.sum()) / n,
        "intent_macro_f1": float(np.mean(present)) if present else 0.0,
        "slot_f1": spans["overall"]["f1"],
        "slot_precision": spans["overall"]["precision"],
        "slot_recall": spans["overall"]["recall"],
        "exact_match": 100 * sum(exact) / n,
        "unseen_gold_intents": int((gold_i < 0).sum()),
        "per_intent": per_intent,
        "per_entity_type": spans["per_type"],
        "confusion": confusion(gold_i, pred_i, len(labels.intents)),
    }


def confusion(gold: np.ndarray, pred: np.ndarray, n: int) -> list[list[int]]:
    """Rows = gold, columns = predicted; an extra last row collects gold intents unseen in train."""
    m = np.zeros((n + 1, n), dtype=int)
    for g, p in zip(gold, pred, strict=True):
        m[g if g >= 0 else n, p] += 1
    return m.tolist()


def dev_score(m: dict[str, Any], has_entities: bool) -> float:
    """Checkpoint selection: intent accuracy + slot F1 (slot F1 only when the data has entities)."""
    return float(m["intent_accuracy"] + (m["slot_f1"] if has_entities else 0.0))

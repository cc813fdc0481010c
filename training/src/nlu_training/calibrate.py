"""Temperature scaling on dev, ECE, and the confidence-threshold sweep that sets routing cut-offs."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import torch


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = logits / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def fit_temperature(logits: np.ndarray, gold: np.ndarray) -> float:
    """LBFGS on the NLL of the dev intent logits over log T (keeps T positive).
    Rows with a gold intent unseen in train (-1) carry no signal and are left out."""
    keep = gold >= 0
    if keep.sum() == 0:
        return 1.0
    x = torch.tensor(logits[keep], dtype=torch.float64)
    y = torch.tensor(gold[keep], dtype=torch.long)
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(x / log_t.exp(), y)
        loss.backward()
        return loss

    opt.step(closure)
    return float(np.clip(log_t.exp().item(), 0.05, 20.0))


def ece(probs: np.ndarray, gold: np.ndarray, bins: int = 15) -> tuple[float, list[dict[str, float]]]:
    """Expected calibration error of the top-1 probability, equal-width bins; also the bin table
    that the reliability diagram draws."""
    conf = probs.max(axis=-1)
    correct = probs.argmax(axis=-1) == gold
    edges = np.linspace(0.0, 1.0, bins + 1)
    total, table = 0.0, []
    for lo, hi in pairwise(edges):
        in_bin = (conf > lo) & (conf <= hi)
        if not in_bin.any():
            continue
        acc, avg = float(correct[in_bin].mean()), float(conf[in_bin].mean())
        total += in_bin.mean() * abs(acc - avg)
        table.append({"lo": float(lo), "hi": float(hi), "n": int(in_bin.sum()), "accuracy": acc, "confidence": avg})
    return float(total), table


def sweep(probs: np.ndarray, gold: np.ndarray, step: float = 0.01) -> list[dict[str, float]]:
    """Per threshold: share of dev turns accepted and the precision of the accepted predictions."""
    conf = probs.max(axis=-1)
    correct = probs.argmax(axis=-1) == gold
    rows = []
    for t in np.round(np.arange(0.0, 1.0, step), 4):
        acc = conf >= t
        n = int(acc.sum())
        rows.append(
            {
                "threshold": float(t),
                "coverage": 100 * n / max(1, len(conf)),
                "precision": 100 * float(correct[acc].mean()) if n else 100.0,
                "accepted": n,
            }
        )
    return rows


def lowest_threshold(rows: list[dict[str, float]], precision: float, floor: float) -> float:
    """Lowest swept threshold whose accepted predictions reach `precision` (a fraction), never below
    `floor`: the support data has no out-of-scope examples, so dev alone would happily pick 0."""
    for r in rows:
        if r["accepted"] and r["precision"] >= 100 * precision:
            return round(max(floor, r["threshold"]), 4)
    return round(max(floor, rows[-1]["threshold"]), 4)


def route_stats(probs: np.ndarray, gold: np.ndarray, oos: int, threshold: float) -> dict[str, float]:
    """With an out-of-scope label: a turn is answered when its top intent is not `oos` and its
    probability reaches `threshold`; everything else is rejected (fallback). Answering an
    out-of-scope turn counts as a wrong answer."""
    conf, pred = probs.max(axis=-1), probs.argmax(axis=-1)
    is_oos = gold == oos
    answered = (pred != oos) & (conf >= threshold)
    rejected, n = ~answered, int(answered.sum())
    return {
        "threshold": float(threshold),
        "coverage": 100 * n / max(1, len(conf)),
        "precision": 100 * float((pred == gold)[answered].mean()) if n else 100.0,
        "accepted": n,
        "in_scope_accuracy": 100 * float((answered & (pred == gold)).sum()) / max(1, int((~is_oos).sum())),
        "oos_recall": 100 * float((rejected & is_oos).sum()) / max(1, int(is_oos.sum())),
        "oos_precision": 100 * float(is_oos[rejected].mean()) if rejected.any() else 100.0,
    }


def oos_sweep(probs: np.ndarray, gold: np.ndarray, oos: int, step: float = 0.01) -> list[dict[str, float]]:
    return [route_stats(probs, gold, oos, t) for t in np.round(np.arange(0.0, 1.0, step), 4)]


def budget_threshold(rows: list[dict[str, float]], precision: float, budget: float) -> float:
    """The lowest swept threshold whose answers reach `precision`, raised to the highest one that keeps
    in-scope accuracy within `budget` points of its best. Dev out-of-scope rows come from the same
    sources as train, so the class alone rejects nearly all of them and the lowest passing threshold
    would be ~0; spending a small, stated amount of in-scope accuracy buys margin against off-topic
    input unlike the training sample."""
    best = max(r["in_scope_accuracy"] for r in rows)
    within = [r["threshold"] for r in rows if r["in_scope_accuracy"] >= best - budget]
    return round(max(lowest_threshold(rows, precision, 0.0), *within), 4)


def calibrate(
    logits: np.ndarray,
    gold: np.ndarray,
    answer_precision: float,
    retrieval_precision: float,
    answer_floor: float,
    retrieval_floor: float,
    oos: int | None = None,
    oos_budget: float = 1.0,
) -> dict[str, Any]:
    """Temperature, ECE and the three routing cut-offs. Without an out-of-scope label (`oos` None) the
    cut-offs are the lowest meeting each precision target, never below the floors; with one, answer =
    budget_threshold (no floor), retrieval = lowest meeting its precision (answering out-of-scope counts
    as wrong), never below retrieval_floor, review = answer."""
    temperature = fit_temperature(logits, gold)
    before, _ = ece(softmax(logits), gold)
    probs = softmax(logits, temperature)
    after, bins = ece(probs, gold)
    if oos is None:
        rows = sweep(probs, gold)
        answer = lowest_threshold(rows, answer_precision, answer_floor)
        retrieval = min(answer, lowest_threshold(rows, retrieval_precision, retrieval_floor))
    else:
        rows = oos_sweep(probs, gold, oos)
        answer = budget_threshold(rows, answer_precision, oos_budget)
        # Still floored: dev has off-topic rows but no gibberish or small talk ("xyz", "no"), and on dev
        # nearly every in-scope guess is right, so the lowest 80 %-precise threshold is ~0 and everything
        # in scope would search the help center.
        retrieval = min(answer, lowest_threshold(rows, retrieval_precision, retrieval_floor))
    out: dict[str, Any] = {
        "temperature": round(temperature, 6),
        "ece_before": round(before, 6),
        "ece_after": round(after, 6),
        "thresholds": {"answer": answer, "retrieval": retrieval, "review": answer},
        "targets": {
            "answer_precision": answer_precision,
            "retrieval_precision": retrieval_precision,
            "retrieval_floor": retrieval_floor,
            **({"answer_floor": answer_floor} if oos is None else {"oos_budget": oos_budget}),
        },
        "reliability": bins,
        "reliability_before": ece(softmax(logits), gold)[1],
        "sweep": rows,
    }
    if oos is not None:
        out["oos_at_answer"] = route_stats(probs, gold, oos, answer)
    return out

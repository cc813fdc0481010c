"""metrics.json, report.md, confusion.png and reliability.png for an exported model folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from .config import TrainConfig
from .encode import Labels

HEADLINE = ("intent_accuracy", "intent_macro_f1", "slot_f1", "exact_match")


def write_report(folder: Path, metrics: dict[str, Any], labels: Labels, cfg: TrainConfig) -> None:
    (folder / "metrics.json").write_text(json.dumps(_rounded(metrics), indent=2) + "\n", encoding="utf-8")
    plot_confusion(folder / "confusion.png", metrics["test"]["confusion"], labels.intents)
    cal = metrics["calibration"]
    plot_reliability(folder / "reliability.png", cal["reliability_before"], cal["reliability"])
    (folder / "report.md").write_text(render_markdown(metrics, labels, cfg), encoding="utf-8")


def _rounded(x: Any) -> Any:
    if isinstance(x, float):
        return round(x, 4)
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_rounded(v) for v in x]
    return x


def plot_confusion(path: Path, matrix: list[list[int]], intents: list[str]) -> None:
    m = np.array(matrix, dtype=float)
    rows = intents + (["(unseen in train)"] if m[-1].sum() else [])
    m = m[: len(rows)]
    norm = m / np.clip(m.sum(axis=1, keepdims=True), 1, None)
    size = max(6.0, 0.3 * len(intents) + 3)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(intents)), intents, rotation=90, fontsize=7)
    ax.set_yticks(range(len(rows)), rows, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title("Intent confusion (test, row-normalised)")
    for i, j in zip(*np.nonzero(m), strict=True):
        if i != j:  # off-diagonal counts are the interesting ones
            ax.text(j, i, str(int(m[i, j])), ha="center", va="center", fontsize=6, color="red")
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def plot_reliability(path: Path, before: list[dict[str, float]], after: list[dict[str, float]]) -> None:
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], "k--", linewidth=1, label="perfect")
    for bins, name in ((before, "raw"), (after, "temperature-scaled")):
        ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], "o-", label=name)
    ax.set_xlabel("top-1 confidence (dev)")
    ax.set_ylabel("accuracy")
    ax.set_title("Reliability diagram (15 bins)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def _table(header: list[str], rows: list[list[Any]]) -> str:
    fmt = [" | ".join(header), " | ".join("---" for _ in header)]
    fmt += [" | ".join(f"{c:.2f}" if isinstance(c, float) else str(c) for c in r) for r in rows]
    return "\n".join(f"| {line} |" for line in fmt) + "\n"


def _evaluate_section(m: dict[str, Any]) -> str:
    """The config's data.evaluate files (never trained on), scored like test."""
    if not m.get("evaluate"):
        return ""
    rows = [
        [f"{name} {variant}", *(v[variant][k] for k in HEADLINE)]
        for name, v in m["evaluate"].items()
        for variant in ("fp32", "int8")
    ]
    return "\n## Other evaluation files (`data.evaluate`, never trained on)\n\n" + _table(
        ["file / model", *HEADLINE], rows
    )


def render_markdown(m: dict[str, Any], labels: Labels, cfg: TrainConfig) -> str:
    test, cal, tr, data, par = m["test"], m["calibration"], m["train"], m["data"], m["parity"]
    out = [
        f"# NLU model report: {cfg.name}\n\n",
        f"Data: {data['source']}, sha256 `{data['sha256'][:16]}…`, counts {data['counts']}. "
        f"Trained on {tr['device']} in {tr['train_seconds']} s, {tr['epochs_run']} epochs (best {tr['best_epoch']}), "
        f"{tr['samples_per_second']} samples/s.\n" + (f"\nNote: {tr['note']}\n" if tr.get("note") else ""),
        "\n## Headline (test)\n\n",
        _table(
            ["split / model", *HEADLINE],
            [
                [name, *(m[key][k] for k in HEADLINE)]
                for name, key in (("test fp32", "test"), ("test int8", "test_int8"), ("dev fp32", "dev"))
            ],
        ),
        _oos_section(m),
        _evaluate_section(m),
        f"\n{test['unseen_gold_intents']} test utterances have an intent that train never shows; they are "
        "scored as errors (JointBERT maps them to UNK).\n"
        if test["unseen_gold_intents"]
        else "",
        "\n## Skipped and repaired data\n\n",
        f"- skipped rows per reason: {data['skipped'] or 'none'}\n- unseen labels: {data['unseen_labels']}\n"
        f"- spans snapped to whole words: {data['snapped_spans']}\n- reader stats: {data['reader_stats']}\n",
        f"- entity-value augmentation (train copies, augment.py): {data['entity_augment']}\n"
        if data.get("entity_augment")
        else "",
        f"- courtesy augmentation (greeting / thank-you copies, augment.py): {data['courtesy_augment']}\n"
        if data.get("courtesy_augment")
        else "",
        "\n## Per intent (test)\n\n",
        _table(
            ["intent", "precision", "recall", "F1", "support"],
            [[k, v["precision"], v["recall"], v["f1"], v["support"]] for k, v in test["per_intent"].items()],
        ),
        "\n## Entities (test, strict span match)\n\n",
        _table(
            ["type", "precision", "recall", "F1", "support"],
            [[k, v["precision"], v["recall"], v["f1"], v["support"]] for k, v in test["per_entity_type"].items()],
        ),
        "\n## Calibration (dev)\n\n",
        f"Temperature {cal['temperature']:.3f}; ECE (15 bins) {cal['ece_before']:.4f} before → "
        f"{cal['ece_after']:.4f} after. Thresholds: {cal['thresholds']}.\n\n",
        _threshold_rule(cfg, "oos_at_answer" in cal),
        "\n\n### Threshold sweep (dev, calibrated top-1 probability)\n\n",
        _sweep_table(cal["sweep"]),
        "\n## Export parity\n\n",
        f"- ONNX fp32 vs torch, max abs logit diff on dev: {par['fp32_max_abs_logit_diff']:.2e} (limit 1e-4)\n"
        f"- fused ops (onnxruntime transformer optimizer): {par.get('fused_ops', 'none')}\n"
        f"- int8 ({_variant(par.get('int8_variant'), par['int8_per_channel'])}) vs fp32 on dev: intent agreement "
        f"{par['intent_agreement']:.2f} % (≥ 99.5), slot F1 {par['slot_f1_fp32']:.2f} → {par['slot_f1_int8']:.2f} "
        f"(drop {par['slot_f1_drop']:.2f}, ≤ 0.5)\n",
        "".join(
            f"  - tried {_variant(t, t['per_channel'])}: agreement "
            f"{t['intent_agreement']:.2f} %, slot F1 drop {t['slot_f1_drop']:.2f}\n"
            for t in par.get("int8_tried", [])
        ),
        "\n## Training history\n\n",
        _table(
            ["epoch", "loss", "dev intent", "dev slot F1", "dev exact", "seconds"],
            [
                [h["epoch"], h["loss"], h["dev_intent_accuracy"], h["dev_slot_f1"], h["dev_exact_match"], h["seconds"]]
                for h in tr["history"]
            ],
        ),
        "\n![confusion](confusion.png)\n\n![reliability](reliability.png)\n",
    ]
    return "".join(out)


def _threshold_rule(cfg: TrainConfig, has_oos: bool) -> str:
    if has_oos:
        return (
            "The data has an `out_of_scope` intent (learned like any other, routed to the fallback at run time). "
            "A turn is *answered* when its top intent is in scope and reaches `answer`; answering an out-of-scope "
            f"turn counts as wrong. `answer` = the highest threshold that keeps dev in-scope accuracy within "
            f"{cfg.oos_budget} points of its best while answers stay ≥ {100 * cfg.answer_precision:.0f} % precise "
            "(dev out-of-scope rows resemble train's, so margin there guards against unlike off-topic input); "
            f"`retrieval` = lowest threshold whose answers are ≥ {100 * cfg.retrieval_precision:.0f} % precise, "
            f"never below {cfg.retrieval_floor} (dev has no gibberish or small talk); `review` = `answer`. "
            "`answer_floor` is not used."
        )
    return (
        f"`answer` = lowest threshold whose accepted dev predictions are ≥ {100 * cfg.answer_precision:.0f} % "
        f"precise, never below {cfg.answer_floor}; `retrieval` = the same at ≥ {100 * cfg.retrieval_precision:.0f} %, "
        f"never below {cfg.retrieval_floor}; `review` = `answer`. The data has **no out-of-scope examples**, so "
        "out-of-scope input is handled only by these thresholds (the floors stop dev, where nearly everything is in "
        "scope and right, from driving them to 0)."
    )


def _sweep_table(rows: list[dict[str, float]]) -> str:
    cols = ["threshold", "coverage", "precision", "accepted"]
    if rows and "oos_recall" in rows[0]:
        cols += ["in_scope_accuracy", "oos_recall", "oos_precision"]
    return _table(
        [c.replace("_", " ") + (" %" if c not in ("threshold", "accepted") else "") for c in cols],
        [[r[c] for c in cols] for r in rows if round(r["threshold"] * 100) % 5 == 0 or r["threshold"] >= 0.9],
    )


def _oos_section(m: dict[str, Any]) -> str:
    if "test_in_scope" not in m:
        return ""
    ins, rt = m["test_in_scope"], m["test_routing"]
    return (
        "\n### Out-of-scope (test)\n\n"
        + _table(["in-scope test only", *HEADLINE], [["fp32", *(ins[k] for k in HEADLINE)]])
        + f"\nRouting at the answer cut-off {rt['threshold']}: in-scope answered correctly "
        f"{rt['in_scope_accuracy']:.2f} %, "
        f"out-of-scope rejected (recall) {rt['oos_recall']:.2f} %, precision of rejections {rt['oos_precision']:.2f} % "
        f"(a rejection of an in-scope turn is a miss).\n"
    )


def _variant(v: dict[str, Any] | None, per_channel: bool) -> str:
    kind = "per-channel" if per_channel else "per-tensor"
    return f"{v['graph']} graph, {kind}, {'+'.join(v['op_types'])}" if v else kind

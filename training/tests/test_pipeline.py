"""Real end-to-end run on the tiny config: train -> calibrate -> export -> parity -> report."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
from transformers import AutoTokenizer

from conftest import TINY, TinyRun
from nlu_training.config import load_config, resolve_base
from nlu_training.data import sha256_file
from nlu_training.encode import Labels, decode_spans, encode_example
from nlu_training.pipeline import evaluate_run, export_run, load_data, run_all
from nlu_training.readers import DataError
from nlu_training.train import train

pytestmark = pytest.mark.slow

REQUIRED = [
    "model.onnx",
    "model.int8.onnx",
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.txt",
    "special_tokens_map.json",
    "labels.json",
    "config.json",
    "manifest.json",
    "metrics.json",
    "report.md",
    "confusion.png",
    "reliability.png",
    "parity.jsonl",
]


def test_export_folder_matches_the_model_format(tiny_run: TinyRun) -> None:
    folder, manifest = tiny_run.model_dir, tiny_run.manifest
    for name in REQUIRED:
        assert (folder / name).is_file(), name
    assert manifest["schema_version"] == 1
    assert set(manifest["files"]) == {p.name for p in folder.iterdir()} - {"manifest.json"}
    for name, digest in manifest["files"].items():
        assert sha256_file(folder / name) == digest, name
    labels = json.loads((folder / "labels.json").read_text())
    assert labels["tags"][0] == "O" and len(labels["tags"]) == 1 + 2 * len(labels["entity_types"])
    assert manifest["onnx"] == {
        "opset": 17,
        "inputs": ["input_ids", "attention_mask"],
        "outputs": ["intent_logits", "tag_logits", "sentence_embedding"],
    }
    th = manifest["thresholds"]
    assert 0 < th["retrieval"] <= th["answer"] < 1 and th["review"] == th["answer"]
    assert manifest["calibration"]["temperature"] > 0
    assert not list(folder.parent.glob(".model.tmp-*")), "temp folder left behind"


def test_parity_figures_are_recorded_and_within_limits(tiny_run: TinyRun) -> None:
    parity = tiny_run.manifest["parity"]
    assert parity["fp32_max_abs_logit_diff"] <= 1e-4
    assert parity["intent_agreement"] >= 99.5 and parity["slot_f1_drop"] <= 0.5
    metrics = json.loads((tiny_run.model_dir / "metrics.json").read_text())
    assert metrics["parity"]["intent_agreement"] == parity["intent_agreement"]


def test_onnx_graph_has_dynamic_axes_and_reproduces_parity_file(tiny_run: TinyRun) -> None:
    sess = ort.InferenceSession(str(tiny_run.model_dir / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["input_ids", "attention_mask"]
    assert all(isinstance(d, str) for d in sess.get_inputs()[0].shape)
    rows = [json.loads(x) for x in (tiny_run.model_dir / "parity.jsonl").read_text().splitlines()]
    assert len(rows) >= 15 and any(r["entities"] for r in rows)
    labels = json.loads((tiny_run.model_dir / "labels.json").read_text())
    for r in rows:
        ids = np.array([r["input_ids"]], dtype=np.int64)
        il, tl, emb = sess.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
        np.testing.assert_allclose(il[0], r["intent_logits"], atol=1e-5)
        assert tl[0].argmax(-1).tolist() == r["tag_ids"]
        assert abs(float(np.linalg.norm(emb[0])) - 1) < 1e-4
        assert r["intent"] == labels["intents"][int(np.argmax(r["intent_logits"]))]
        assert abs(sum(r["intent_probs"]) - 1) < 1e-4
        for e in r["entities"]:
            assert r["text"][e["start"] : e["end"]] == e["text"]
    # a batch of two different lengths (padding) gives the same logits as one by one
    a, b = rows[0]["input_ids"], rows[1]["input_ids"]
    width = max(len(a), len(b))
    ids = np.array([a + [0] * (width - len(a)), b + [0] * (width - len(b))], dtype=np.int64)
    il, _, _ = sess.run(
        None, {"input_ids": ids, "attention_mask": (np.arange(width) < [[len(a)], [len(b)]]).astype(np.int64)}
    )
    np.testing.assert_allclose(il[1], rows[1]["intent_logits"], atol=1e-4)


def test_two_exports_of_one_run_have_identical_onnx_hashes(tiny_run: TinyRun, tmp_path: Path) -> None:
    again = export_run(tiny_run.work / "run", tmp_path / "again")
    for name in ("model.onnx", "model.int8.onnx", "labels.json", "parity.jsonl", "tokenizer.json"):
        assert again["files"][name] == tiny_run.manifest["files"][name], name
    assert again["version"] == tiny_run.manifest["version"]


def test_export_replaces_an_existing_folder(tiny_run: TinyRun, tmp_path: Path) -> None:
    out = tmp_path / "model"
    out.mkdir()
    (out / "stale.txt").write_text("old")
    export_run(tiny_run.work / "run", out)
    assert not (out / "stale.txt").exists() and (out / "manifest.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_same_seed_and_data_give_the_same_metrics(tiny_run: TinyRun, tmp_path: Path) -> None:
    splits, _, _ = load_data(tiny_run.cfg, tmp_path)
    second = train(tiny_run.cfg, splits, tiny_run.base, tmp_path / "run")
    first = json.loads((tiny_run.work / "run" / "train_summary.json").read_text())
    assert second["best_dev"] == first["best_dev"]
    assert [h["loss"] for h in second["history"]] == [h["loss"] for h in first["history"]]


def test_the_configs_evaluation_files_are_scored_by_both_graphs_and_reported(tiny_run: TinyRun) -> None:
    """tiny.toml names the first challenge file in data.evaluate (never trained on)."""
    metrics = json.loads((tiny_run.model_dir / "metrics.json").read_text())
    scored = metrics["evaluate"]["support-entities"]
    assert scored["file"] == "support-entities.jsonl"
    for variant in ("fp32", "int8"):
        assert scored[variant]["n"] == 47
        assert 0 <= scored[variant]["slot_f1"] <= 100 and "confusion" not in scored[variant]
    assert "## Other evaluation files" in (tiny_run.model_dir / "report.md").read_text()
    assert tiny_run.cfg.data.evaluate[0].endswith("training/data/challenge/support-entities.jsonl")


def test_a_missing_evaluation_file_stops_the_run_before_training(tmp_path: Path) -> None:
    cfg = load_config(TINY, [f"data.evaluate={tmp_path / 'nope.jsonl'}"])
    with pytest.raises(DataError, match=r"nope\.jsonl:0: missing_file"):
        load_data(cfg, tmp_path)


def test_evaluate_scores_a_canonical_file(tiny_run: TinyRun, tmp_path: Path) -> None:
    data_dir = Path(json.loads((tiny_run.work / "run" / "run_info.json").read_text())["data_dir"])
    subset = tmp_path / "some.jsonl"
    subset.write_text("".join((data_dir / "dev.jsonl").read_text().splitlines(keepends=True)[:40]))
    m = evaluate_run(tiny_run.work / "run", subset)
    assert m["n"] == 40 and 0 <= m["intent_accuracy"] <= 100 and 0 <= m["slot_f1"] <= 100
    assert json.loads((tiny_run.work / "run" / "eval-some.json").read_text())["n"] == 40


def test_a_crf_model_ships_its_learned_scores_and_its_parity_file_decodes_with_them(tmp_path: Path) -> None:
    cfg = dataclasses.replace(load_config(TINY), crf=True)
    manifest = run_all(cfg, resolve_base(None), tmp_path / "model", tmp_path / "work")
    folder = tmp_path / "model"
    assert manifest["schema_version"] == 2  # a runtime that knows only version 1 refuses it
    assert manifest["parity"]["fp32_max_abs_logit_diff"] <= 1e-4
    assert manifest["parity"]["intent_agreement"] >= 99.5 and manifest["parity"]["slot_f1_drop"] <= 0.5
    labels = Labels.load(folder / "labels.json")
    assert labels.crf is not None
    assert max(abs(v) for row in labels.crf.transitions for v in row) > 1e-2  # learned, not the zero start
    # The export decoded its parity rows with the model's own scores; the scores read back from labels.json
    # (what the TypeScript runtime reads) give the same entities.
    rows = [json.loads(x) for x in (folder / "parity.jsonl").read_text().splitlines()]
    sess = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    tok = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    for r in rows:
        ex = {"text": r["text"], "intent": labels.intents[0], "entities": []}
        enc = encode_example(ex, tok, labels, cfg.max_seq_len)
        assert enc.input_ids == r["input_ids"]
        ids = np.array([enc.input_ids], dtype=np.int64)
        _, tl, _ = sess.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
        spans = decode_spans(enc, tl[0], labels)[0]
        assert [(s.label, s.start, s.end) for s in spans] == [(e["label"], e["start"], e["end"]) for e in r["entities"]]
    assert any(r["entities"] for r in rows)

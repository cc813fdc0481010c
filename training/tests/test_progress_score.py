"""Progress events for the worker, and scoring exported model folders for the promotion gate."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from conftest import TinyRun
from nlu_training.cli import main
from nlu_training.pipeline import load_data
from nlu_training.progress import Progress
from nlu_training.readers import DataError
from nlu_training.score import score_model
from nlu_training.train import train

pytestmark = pytest.mark.slow


def _events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_progress_throttles_steps_but_keeps_the_last(tmp_path: Path) -> None:
    sut = Progress(tmp_path / "p.jsonl", min_interval=3600)
    for step in range(1, 6):
        sut.step(1, step, 5, 1.0 / step)
    sut.emit("done", version="v")
    sut.close()
    events = _events(tmp_path / "p.jsonl")
    assert [(e["event"], e.get("step")) for e in events] == [("step", 1), ("step", 5), ("done", None)]
    assert events[1]["loss"] == 0.2


def test_training_emits_step_and_epoch_events(tiny_run: TinyRun, tmp_path: Path) -> None:
    cfg = dataclasses.replace(tiny_run.cfg, epochs=1, max_steps=3)
    splits, _, _ = load_data(cfg, tmp_path)
    progress = Progress(tmp_path / "p.jsonl", min_interval=0)
    train(cfg, splits, tiny_run.base, tmp_path / "run", progress)
    progress.close()
    events = _events(tmp_path / "p.jsonl")
    steps = [e for e in events if e["event"] == "step"]
    assert [e["step"] for e in steps] == [1, 2, 3] and all(e["steps"] == 3 and e["loss"] > 0 for e in steps)
    (epoch,) = [e for e in events if e["event"] == "epoch"]
    assert epoch["epoch"] == 1 and epoch["epochs"] == 1
    assert set(epoch["dev"]) == {"intent_accuracy", "intent_macro_f1", "slot_f1", "exact_match"}


def test_score_model_matches_the_export_report(tiny_run: TinyRun, tmp_path: Path) -> None:
    # The export scored the fp32 graph on the (round-robin subset of the) test split; scoring the same rows
    # with the same graph through score_model must give the same figures.
    metrics = json.loads((tiny_run.model_dir / "metrics.json").read_text())
    data_dir = Path(json.loads((tiny_run.work / "run" / "run_info.json").read_text())["data_dir"])
    splits, _, _ = load_data(tiny_run.cfg, tmp_path)
    subset = tmp_path / "test.jsonl"
    subset.write_text(
        "".join(json.dumps({k: ex[k] for k in ("text", "intent", "entities")}) + "\n" for ex in splits["test"])
    )
    result = score_model(tiny_run.model_dir, [subset], variant="fp32")
    got = result["sets"]["test"]
    assert data_dir.is_dir() and got["n"] == metrics["test"]["n"]
    for key in ("intent_accuracy", "slot_f1", "exact_match"):
        assert got[key] == pytest.approx(metrics["test"][key], abs=1e-3)  # metrics.json keeps 4 decimals
    assert result["version"] == tiny_run.manifest["version"] and len(result["intents"]) == len(got["confusion"][0])


def test_evaluate_model_cli_writes_one_entry_per_model(tiny_run: TinyRun, tmp_path: Path) -> None:
    data = tmp_path / "few.jsonl"
    data.write_text(
        json.dumps({"text": "where is my order 12345", "intent": "track_order", "entities": []})
        + "\n"
        + json.dumps({"text": "an intent the model never saw", "intent": "no_such_intent", "entities": []})
        + "\n"
    )
    out = tmp_path / "scores.json"
    rc = main(
        [
            "evaluate-model",
            "--model",
            str(tiny_run.model_dir),
            "--model",
            str(tiny_run.model_dir),
            "--data",
            str(data),
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    models = json.loads(out.read_text())["models"]
    assert len(models) == 2 and models[0]["sets"]["few"]["n"] == 2
    # the unseen gold intent is scored as an error and lands in the confusion matrix's extra last row
    assert models[0]["sets"]["few"]["unseen_gold_intents"] == 1
    assert sum(models[0]["sets"]["few"]["confusion"][-1]) == 1


def test_score_model_refuses_a_folder_without_manifest(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="manifest"):
        score_model(tmp_path, [tmp_path / "x.jsonl"])


def test_score_models_refuses_two_files_of_one_name_before_scoring(tmp_path: Path) -> None:
    """Results are keyed by file name: bitext/test.jsonl and oos/test.jsonl would leave one set of figures."""
    from nlu_training.score import score_models

    with pytest.raises(DataError, match=r"test\.jsonl:0: duplicate_name"):
        score_models([tmp_path / "no-model"], [tmp_path / "a" / "test.jsonl", tmp_path / "b" / "test.jsonl"], None)

"""Out-of-scope data: the SNIPS sampler, the frozen training/data/oos folder, merging extra folders,
and the threshold choice when an out_of_scope label exists."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nlu_training.calibrate import budget_threshold, calibrate, oos_sweep, route_stats, softmax
from nlu_training.config import build_config, load_config
from nlu_training.data import SPLITS, load_canonical, load_merged, sha256_file
from nlu_training.oos import OOS_INTENT, build_oos_splits, norm, sample_stratified

DATA = Path(__file__).resolve().parents[1] / "data"
SNIPS_INTENTS = ("PlayMusic", "GetWeather", "RateBook", "BookRestaurant")


def fake_snips(root: Path, per_intent: dict[str, int]) -> Path:
    """A JointBERT-format folder; 'shared' rows sit in train and test alike, as upstream has some."""
    for split, n in per_intent.items():
        folder = root / split
        folder.mkdir(parents=True)
        rows = [(f"{intent.lower()} request {split} {k}", intent) for intent in SNIPS_INTENTS for k in range(n)]
        rows += [("play the shared song", "PlayMusic"), ("where can i buy the movie heat", "PlayMusic")]
        (folder / "seq.in").write_text("".join(f"{t}\n" for t, _ in rows))
        (folder / "seq.out").write_text("".join(" ".join("O" for _ in t.split()) + " \n" for t, _ in rows))
        (folder / "label").write_text("".join(f"{i}\n" for _, i in rows))
    return root


def test_stratified_sample_is_proportional_seeded_and_order_free() -> None:
    rows = [{"text": f"a{k}", "intent": "A", "entities": []} for k in range(60)]
    rows += [{"text": f"b{k}", "intent": "B", "entities": []} for k in range(30)]
    got = sample_stratified(rows, 30, 13, "train")
    assert sum(e["intent"] == "A" for e in got) == 20 and len(got) == 30
    assert got == sample_stratified(list(reversed(rows)), 30, 13, "train")
    assert got != sample_stratified(rows, 30, 14, "train")


def test_snips_sample_keeps_splits_apart_and_drops_excluded_rows(tmp_path: Path) -> None:
    snips = fake_snips(tmp_path / "snips", {"train": 50, "dev": 10, "test": 10})
    hand = tmp_path / "hand.txt"
    hand.write_text("# comment\n\n" + "".join(f"tell me fact number {k}\n" for k in range(20)))
    splits, stats = build_oos_splits(snips, hand, n_train=80, seed=13, in_scope_texts={"Playmusic  request train 0"})
    again, _ = build_oos_splits(snips, hand, n_train=80, seed=13, in_scope_texts={"playmusic request train 0"})
    assert splits == again
    texts = {s: [norm(e["text"]) for e in splits[s]] for s in SPLITS}
    for s in SPLITS:
        assert len(texts[s]) == len(set(texts[s]))
        assert all(e["intent"] == OOS_INTENT and e["entities"] == [] for e in splits[s])
        assert not any("ratebook" in t or " buy " in t for t in texts[s])
    assert not set(texts["train"]) & set(texts["dev"]) and not set(texts["train"]) & set(texts["test"])
    assert not set(texts["dev"]) & set(texts["test"])
    assert "playmusic request train 0" not in texts["train"]
    assert stats["handwritten"] == {"train": 16, "dev": 2, "test": 2}
    assert sum(stats["snips_intents"]["dev"].values()) == 10  # n_train / 8
    assert set(stats["snips_intents"]["train"]) == {"PlayMusic", "GetWeather", "BookRestaurant"}


def test_frozen_oos_folder_matches_its_meta_and_never_leaks() -> None:
    splits, meta = load_canonical(DATA / "oos")
    assert meta["counts"] == {s: len(splits[s]) for s in SPLITS}
    assert all(sha256_file(DATA / "oos" / name) == digest for name, digest in meta["sha256"].items())
    seen: set[str] = set()
    for s in SPLITS:
        keys = {norm(e["text"]) for e in splits[s]}
        assert not keys & seen, f"{s} repeats an earlier split"
        seen |= keys
    in_scope, _ = load_canonical(DATA / "bitext")
    assert not seen & {norm(e["text"]) for s in SPLITS for e in in_scope[s]}
    assert {e["intent"] for s in SPLITS for e in splits[s]} == {OOS_INTENT}
    golden = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "nlu" / "not-ok" / "out-of-scope.jsonl"
    unseen = {norm(json.loads(line)["text"]) for line in golden.read_text().splitlines() if line.strip()}
    assert unseen and not seen & unseen, "the golden off-topic utterances must stay out of training data"


def test_extra_folders_merge_split_by_split_and_change_the_data_hash() -> None:
    cfg = load_config(Path(__file__).resolve().parents[1] / "configs" / "support.toml")
    assert cfg.data.extra == tuple(str((DATA / name).resolve()) for name in ("oos", "smalltalk", "short"))
    alone, meta_alone = load_merged(DATA / "bitext")
    merged, meta = load_merged(Path(cfg.data.path), cfg.data.extra)
    oos, _ = load_canonical(DATA / "oos")
    small_talk, _ = load_canonical(DATA / "smalltalk")
    short, _ = load_canonical(DATA / "short")
    assert meta_alone["data_sha256"] == load_canonical(DATA / "bitext")[1]["data_sha256"]
    assert meta["data_sha256"] != meta_alone["data_sha256"]
    assert [p["source"] for p in meta["parts"]] == ["bitext", "oos", "jsonl", "jsonl"]
    for s in SPLITS:
        assert len(merged[s]) == len(alone[s]) + len(oos[s]) + len(small_talk[s]) + len(short[s])
    # the config hash ignores where the data lives, and a round trip through config.json keeps extra
    again = build_config(json.loads(json.dumps(cfg.to_dict())))
    assert again == cfg and again.hash() == cfg.hash()


def routed(n_in: int = 600, n_oos: int = 100, k: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """k in-scope intents + out_of_scope (index k). In-scope rows are right with spread confidence;
    a fifth of the off-topic rows look like some in-scope intent, less surely than the in-scope ones."""
    rng = np.random.default_rng(seed)
    gold = np.concatenate([rng.integers(0, k, n_in), np.full(n_oos, k)])
    logits = rng.normal(0, 1, (len(gold), k + 1))
    logits[np.arange(n_in), gold[:n_in]] += rng.uniform(2, 9, n_in)
    fooled = rng.random(n_oos) < 0.2
    target = np.where(fooled, rng.integers(0, k, n_oos), k)
    logits[n_in + np.arange(n_oos), target] += np.where(fooled, rng.uniform(1, 3, n_oos), 6)
    return logits, gold


def test_oos_answer_cut_off_meets_precision_then_spends_at_most_the_budget() -> None:
    logits, gold = routed()
    cal = calibrate(logits, gold, 0.98, 0.80, 0.5, 0.2, oos=5, oos_budget=1.0)
    th, rows = cal["thresholds"], cal["sweep"]
    best = max(r["in_scope_accuracy"] for r in rows)
    lowest_precise = next(r["threshold"] for r in rows if r["precision"] >= 98)
    at = route_stats(softmax(logits, cal["temperature"]), gold, 5, th["answer"])
    assert th["answer"] >= lowest_precise and at["precision"] >= 98
    assert th["answer"] == lowest_precise or at["in_scope_accuracy"] >= best - 1.0
    assert th["answer"] > 0 and "answer_floor" not in cal["targets"]
    assert 0 <= th["retrieval"] <= th["answer"] and th["review"] == th["answer"]
    assert cal["oos_at_answer"]["oos_recall"] >= rows[0]["oos_recall"]
    loose = calibrate(logits, gold, 0.98, 0.80, 0.5, 0.2, oos=5, oos_budget=20.0)["thresholds"]["answer"]
    assert loose > th["answer"], "a bigger budget buys a higher cut-off"


def test_budget_raises_the_cut_off_where_dev_is_easy() -> None:
    rows = [
        {"threshold": t / 10, "precision": 99.0, "accepted": 50, "in_scope_accuracy": acc}
        for t, acc in enumerate([99.0, 99.0, 98.8, 98.5, 97.0, 90.0, 80.0, 60.0, 40.0, 20.0])
    ]
    assert budget_threshold(rows, 0.98, 1.0) == 0.3
    assert budget_threshold(rows, 0.98, 0.0) == 0.1
    rows[0]["precision"] = rows[1]["precision"] = rows[2]["precision"] = rows[3]["precision"] = 95.0
    assert budget_threshold(rows, 0.98, 1.0) == 0.4  # precision first, whatever the budget


def test_answering_an_out_of_scope_turn_counts_as_wrong() -> None:
    probs = np.array([[0.9, 0.05, 0.05], [0.9, 0.05, 0.05], [0.1, 0.1, 0.8]])
    gold = np.array([0, 2, 2])  # row 1 is off-topic but looks like intent 0
    r = route_stats(probs, gold, 2, 0.5)
    assert r["precision"] == 50 and r["in_scope_accuracy"] == 100
    assert r["oos_recall"] == 50 and r["oos_precision"] == 100
    rows = oos_sweep(probs, gold, 2)
    assert budget_threshold(rows, 0.98, 1.0) == rows[-1]["threshold"]  # 98 % precision is never reached


@pytest.mark.parametrize("bad", [-1.0, 101.0])
def test_oos_budget_is_validated(bad: float) -> None:
    from nlu_training.config import ConfigError

    with pytest.raises(ConfigError):
        build_config({"data": {"path": "x"}, "oos_budget": bad})


def test_fingerprint_says_which_part_of_a_model_is_stale(tmp_path: Path) -> None:
    from nlu_training.config import resolve_base
    from nlu_training.manifest import fingerprint, staleness
    from nlu_training.pipeline import load_data

    cfg = load_config(Path(__file__).resolve().parents[1] / "configs" / "support.toml")
    fp = fingerprint(cfg, resolve_base(None))
    # the data hash a training run records: the folders' (Bitext + out-of-scope) plus the augmented copies
    assert fp["data_sha256"] == load_data(cfg, tmp_path / "work")[1]["data_sha256"]
    assert fp["data_sha256"] != load_merged(Path(cfg.data.path), cfg.data.extra)[1]["data_sha256"]

    def model(data_sha: str, **changes: object) -> Path:
        folder = tmp_path / f"m{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        manifest = {"version": "x", "data": {"sha256": data_sha}, "base_model": {"sha256": fp["base_sha256"]}}
        (folder / "manifest.json").write_text(json.dumps(manifest))
        (folder / "config.json").write_text(json.dumps({**cfg.to_dict(), **changes}))
        return folder

    assert staleness(model(fp["data_sha256"]), fp) == []
    assert staleness(model("0" * 64), fp) == ["data"]
    assert staleness(model("0" * 64, epochs=cfg.epochs + 1), fp) == ["data", "config"]
    assert staleness(tmp_path / "nothing", fp) == ["missing"]

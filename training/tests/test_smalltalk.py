"""Small talk: the hand-written source prepared by `prepare --source jsonl` into the frozen folder the support
model merges in, and courtesy copies (a greeting or thank-you around a request) that keep intent and entities."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from nlu_training.augment import SMALL_TALK_INTENTS, courtesy, courtesy_augment, with_copies
from nlu_training.config import build_config
from nlu_training.data import SPLITS, load_canonical, prepare, read_jsonl, sha256_file
from nlu_training.oos import norm
from nlu_training.pipeline import load_data
from nlu_training.readers import DataError, check_example
from nlu_training.words import Span, spans_to_bio, split_words

DATA = Path(__file__).resolve().parents[1] / "data"
SOURCE = DATA / "sources" / "small-talk.jsonl"


def test_the_frozen_folder_is_what_prepare_makes_of_the_source(tmp_path: Path) -> None:
    meta = prepare("jsonl", SOURCE, tmp_path / "st", seed=13)
    frozen = json.loads((DATA / "smalltalk" / "meta.json").read_text())
    assert meta["data_sha256"] == frozen["data_sha256"]
    for s in SPLITS:
        assert sha256_file(tmp_path / "st" / f"{s}.jsonl") == sha256_file(DATA / "smalltalk" / f"{s}.jsonl")
    # yes and no (affirm, deny), and fillers that mean nothing at all ("hmm", "asdf"), off-topic for the model
    assert set(meta["intents"]) == SMALL_TALK_INTENTS | {"out_of_scope"}


@pytest.mark.parametrize("folder", ["smalltalk", "short"])
def test_small_talk_never_leaks_into_other_data_or_its_challenge_set(folder: str) -> None:
    splits, _ = load_canonical(DATA / folder)
    keys = [norm(e["text"]) for s in SPLITS for e in splits[s]]
    assert len(keys) == len(set(keys)), "a small-talk line repeats (case and spaces folded)"
    others: set[str] = set()
    for other_folder in {"bitext", "oos", "smalltalk", "short"} - {folder}:
        other, _ = load_canonical(DATA / other_folder)
        others |= {norm(e["text"]) for s in SPLITS for e in other[s]}
    assert not set(keys) & others
    for name in ("small-talk.jsonl", "confirmations.jsonl", "short-messages.jsonl", "hedges.jsonl"):
        challenge = {norm(e["text"]) for e in read_jsonl(DATA / "challenge" / name)}
        assert challenge and not set(keys) & challenge, f"the challenge set {name} must stay unseen"


def test_a_jsonl_source_is_split_80_10_10_per_intent_and_bad_lines_name_file_and_line(tmp_path: Path) -> None:
    rows = [{"text": f"{intent} {i}", "intent": intent, "entities": []} for intent in ("a", "b") for i in range(20)]
    src = tmp_path / "labelled.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    meta = prepare("jsonl", src, tmp_path / "out", seed=13)
    assert meta["counts"] == {"train": 32, "dev": 4, "test": 4}
    assert meta["intents"] == ["a", "b"]
    src.write_text(src.read_text() + '{"text": "", "intent": "a", "entities": []}\n')
    with pytest.raises(DataError, match=r"labelled.jsonl:41"):
        prepare("jsonl", src, tmp_path / "out2", seed=13)


def test_a_courtesy_copy_wraps_the_request_and_moves_its_entities() -> None:
    ex = {
        "text": "cancel order 12345",
        "intent": "cancel_order",
        "entities": [{"start": 13, "end": 18, "label": "order_id"}],
    }
    seen = set()
    for seed in range(200):
        copy = courtesy(ex, random.Random(seed))
        assert copy["intent"] == "cancel_order"
        assert "cancel order 12345" in copy["text"] and copy["text"] != ex["text"]
        (e,) = copy["entities"]
        assert copy["text"][e["start"] : e["end"]] == "12345" and e["label"] == "order_id"
        seen.add((copy["text"].startswith("cancel"), copy["text"].endswith("12345")))
    # a greeting only, a thank-you only, and both
    assert seen == {(False, True), (True, False), (False, False)}
    assert ex["text"] == "cancel order 12345"  # the original is not modified


def test_courtesy_copies_skip_small_talk_and_are_valid_and_deterministic() -> None:
    train = read_jsonl(DATA / "bitext" / "train.jsonl") + read_jsonl(DATA / "smalltalk" / "train.jsonl")
    copies = courtesy_augment(train, 0.2, 42)
    assert 0.15 * len(train) < len(copies) < 0.25 * len(train)
    assert not {c["intent"] for c in copies} & SMALL_TALK_INTENTS
    assert min(len(c["text"].split()) for c in copies) >= 4  # at least 3 words and the wrapper
    for copy in copies:
        assert check_example(copy) is None
        spans_to_bio(split_words(copy["text"]), [Span(e["start"], e["end"], e["label"]) for e in copy["entities"]])
    assert courtesy_augment(train, 0.2, 42) == copies
    assert courtesy_augment(train, 0.2, 43) != copies
    assert courtesy_augment(train, 0.0, 42) == []


def test_only_train_gets_courtesy_copies_and_they_count_in_the_data_hash(tmp_path: Path) -> None:
    raw = {"name": "t", "data": {"source": "canonical", "path": str(DATA / "bitext")}}
    plain, meta_plain, _ = load_data(build_config(raw), tmp_path)
    wrapped, meta, _ = load_data(build_config({**raw, "courtesy_augment": 0.2}), tmp_path)
    assert wrapped["dev"] == plain["dev"] and wrapped["test"] == plain["test"]
    added = meta["courtesy_augment"]["copies"]
    assert added > 0 and len(wrapped["train"]) == len(plain["train"]) + added
    assert meta["data_sha256"] == with_copies(
        meta_plain["data_sha256"], meta["courtesy_augment"]["sha256"], "courtesy_augment"
    )

"""Entity-value augmentation: train copies with fresh values, offsets that still cover them, nothing else
changed, deterministic, off by default, and never applied to dev or test."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from nlu_training.augment import MIN_COPIES_PER_LABEL, augment, generator_for, order_number, substitute, with_copies
from nlu_training.config import build_config
from nlu_training.data import read_jsonl
from nlu_training.pipeline import load_data
from nlu_training.readers import check_example
from nlu_training.words import Span, spans_to_bio, split_words

DATA = Path(__file__).resolve().parents[1] / "data"
BITEXT = DATA / "bitext"


def test_copy_keeps_the_utterance_and_moves_offsets_to_the_new_values() -> None:
    ex = {
        "text": "get invoice #12588 from Mr. Jones, account Gold",
        "intent": "get_invoice",
        "entities": [
            {"start": 24, "end": 33, "label": "person_name"},
            {"start": 12, "end": 18, "label": "invoice_id"},
            {"start": 43, "end": 47, "label": "account_type"},
        ],
    }
    gens = {"invoice_id": lambda _: "INV-2031-0042", "person_name": lambda _: "Amara Okafor"}
    copy = substitute(ex, random.Random(1), gens.get)
    assert copy is not None
    assert copy["text"] == "get invoice INV-2031-0042 from Amara Okafor, account Gold"
    assert copy["intent"] == "get_invoice"
    assert [(copy["text"][e["start"] : e["end"]], e["label"]) for e in copy["entities"]] == [
        ("INV-2031-0042", "invoice_id"),
        ("Amara Okafor", "person_name"),
        ("Gold", "account_type"),  # no generator: the original value stays
    ]
    assert ex["text"].startswith("get invoice #12588")  # the original is not modified


def test_examples_without_a_generatable_entity_get_no_copy() -> None:
    rows = [
        {
            "text": "close my Gold account",
            "intent": "delete_account",
            "entities": [{"start": 9, "end": 13, "label": "account_type"}],
        },
        {"text": "where is my parcel", "intent": "track_order", "entities": []},
    ]
    assert augment(rows, 2.0, 42) == []


def test_every_copy_of_the_bitext_train_split_is_valid_and_tags_whole_words() -> None:
    train = read_jsonl(BITEXT / "train.jsonl")
    copies = augment(train, 1.0, 42)
    with_generatable = [e for e in train if any(generator_for(en["label"]) for en in e["entities"])]
    assert len(copies) >= len(with_generatable)
    originals = {e["text"] for e in train}
    changed = 0
    for copy in copies:
        assert check_example(copy) is None
        spans = [Span(e["start"], e["end"], e["label"]) for e in copy["entities"]]
        spans_to_bio(split_words(copy["text"]), spans)  # raises on a span that covers no word or overlaps
        changed += copy["text"] not in originals
    assert changed > 0.95 * len(copies)


def test_a_rare_label_gets_enough_copies() -> None:
    """51 Bitext utterances name a country: one copy each would teach 51 more, too few for multi-word names."""
    rows = [
        {
            "text": f"do you ship to Canada {k}",
            "intent": "delivery_options",
            "entities": [{"start": 15, "end": 21, "label": "delivery_country"}],
        }
        for k in range(50)
    ]
    rows += [
        {
            "text": f"track order {k}",
            "intent": "track_order",
            "entities": [{"start": 12, "end": 12 + len(str(k)), "label": "order_id"}],
        }
        for k in range(1000, 2000)
    ]
    copies = augment(rows, 1.0, 3)
    countries = [c for c in copies if c["entities"][0]["label"] == "delivery_country"]
    assert MIN_COPIES_PER_LABEL * 0.9 <= len(countries) <= MIN_COPIES_PER_LABEL * 1.1
    assert len(copies) - len(countries) == 1000  # a common label keeps one copy per example


def test_labels_of_other_data_get_a_generator_by_their_last_word() -> None:
    """An operator's own transcripts name their entities; the runtime's normalisers read the same suffixes."""
    rng = random.Random(5)
    for label in ("ticket_id", "tracking_number", "promo_code"):
        gen = generator_for(label)
        assert gen is not None and re.search(r"\d", gen(rng)), label
    total = generator_for("total_price")
    assert total is not None and re.fullmatch(r"[\d,]+(\.\d\d)?", total(rng))
    mail = generator_for("customer_email")
    assert mail is not None and re.fullmatch(r"[\w.]+@[\w.-]+\.\w+", mail(rng))
    tel = generator_for("phone_number")  # a phone, not an identifier, although it ends in _number
    assert tel is not None and tel in (generator_for("phone"), generator_for("contact_phone"))
    assert generator_for("pickup_city") is generator_for("delivery_city")
    # a product is not a person, an account type is a closed set, a date needs its own parser
    assert [generator_for(x) for x in ("product_name", "account_type", "delivery_date")] == [None, None, None]


def test_same_seed_same_copies_other_seed_other_values() -> None:
    train = read_jsonl(BITEXT / "train.jsonl")[:400]
    assert augment(train, 1.5, 7) == augment(train, 1.5, 7)
    assert augment(train, 1.5, 7) != augment(train, 1.5, 8)


def test_fractional_copies_augment_about_that_share() -> None:
    rows = [
        {
            "text": f"track order {k}",
            "intent": "track_order",
            "entities": [{"start": 12, "end": 12 + len(str(k)), "label": "order_id"}],
        }
        for k in range(1000, 3000)
    ]
    assert len(augment(rows, 2.0, 1)) == 4000
    assert 850 <= len(augment(rows, 0.5, 1)) <= 1150
    assert augment(rows, 0.0, 1) == []


def test_order_numbers_come_in_many_shapes() -> None:
    rng = random.Random(0)
    values = [order_number(rng) for _ in range(500)]
    assert all(re.search(r"\d", v) for v in values)  # never a plain word
    assert any(re.fullmatch(r"\d+", v) for v in values)
    assert any(v.startswith("#") for v in values)
    assert any("-" in v for v in values)
    assert any(re.match(r"[A-Za-z]", v) for v in values)


def test_only_train_is_augmented_and_the_copies_count_in_the_data_hash(tmp_path: Path) -> None:
    raw = {"name": "t", "data": {"source": "canonical", "path": str(BITEXT)}}
    plain, meta_plain, _ = load_data(build_config(raw), tmp_path)
    aug, meta_aug, _ = load_data(build_config({**raw, "entity_augment": 1.0}), tmp_path)
    assert aug["dev"] == plain["dev"] and aug["test"] == plain["test"]
    assert aug["train"][: len(plain["train"])] == plain["train"]
    added = meta_aug["entity_augment"]["copies"]
    assert added > 0 and len(aug["train"]) == len(plain["train"]) + added
    # the copies are training data: they change the data hash (and so the model version) when they change
    assert meta_aug["data_sha256"] == with_copies(meta_plain["data_sha256"], meta_aug["entity_augment"]["sha256"])
    assert meta_aug["data_sha256"] != meta_plain["data_sha256"]
    assert "entity_augment" not in meta_plain
    json.dumps(meta_aug)  # recorded in run_info.json and the manifest's data block


def test_fingerprint_sees_the_copies(tmp_path: Path) -> None:
    """ensure-model compares a model with `fingerprint`: it must give the data hash the run recorded."""
    from nlu_training.manifest import fingerprint

    raw = {"name": "t", "data": {"source": "canonical", "path": str(BITEXT)}, "entity_augment": 1.0}
    _, meta, _ = load_data(build_config(raw), tmp_path)
    base = tmp_path / "base"
    base.mkdir()
    (base / "model.safetensors").write_bytes(b"weights")
    assert fingerprint(build_config(raw), base)["data_sha256"] == meta["data_sha256"]

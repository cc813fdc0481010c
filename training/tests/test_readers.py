import csv
import json
import random
from pathlib import Path

import pytest

from nlu_training.cli import main
from nlu_training.data import SPLITS, prepare, read_jsonl, stratified_split
from nlu_training.readers import DataError, Skips, read_bitext, read_jointbert_split, read_transcripts

REPO = Path(__file__).resolve().parents[2]
SHARED_BITEXT = REPO.parent / "shared" / "data" / "bitext"
FROZEN = REPO / "training" / "data" / "bitext"
COLUMNS = [
    "context",
    "role",
    "instruction",
    "intent",
    "entity_type",
    "entity_value",
    "start_offset",
    "end_offset",
    "category",
    "tags",
    "response",
]


def bitext_folder(tmp_path: Path, rows: list[dict[str, str]], second: list[dict[str, str]] | None = None) -> Path:
    names = ("bitext_cs_tagged_4514_responses.csv", "bitext_cs_tagged_6480_gpt35_one_response_per_intent.csv")
    for name, data in zip(names, (rows, second or []), strict=True):
        with (tmp_path / name).open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, COLUMNS)
            w.writeheader()
            for r in data:
                w.writerow({c: r.get(c, "") for c in COLUMNS})
    return tmp_path


def row(
    text: str, intent: str = "cancel_order", etype: str = "", s: int | str = 0, e: int = 0, value: str = ""
) -> dict:
    return {
        "instruction": text,
        "intent": intent,
        "entity_type": etype,
        "start_offset": str(s),
        "end_offset": str(e),
        "entity_value": value,
        "response": "multi\nline\nresponse",
    }


def test_bitext_reads_spans_from_offsets_trims_and_dedups(tmp_path: Path) -> None:
    folder = bitext_folder(
        tmp_path,
        [
            row("cancel order 123, please", etype="order_id", s=13, e=18, value="123"),  # trailing ", " trimmed
            row("bill from Premium", "check_invoice", "account_type", 10, 17, "premium"),  # surface text wins
            row("ETA of order 3707955617", "track_order", "order_id", 13, 25, "3707955617"),  # end past text
        ],
        second=[row("Cancel  order 123, please", etype="order_id", s=14, e=17)],
    )  # duplicate after folding
    examples, stats = read_bitext(folder, Skips(False))
    assert [(x["text"], x["entities"]) for x in examples] == [
        ("cancel order 123, please", [{"start": 13, "end": 16, "label": "order_id"}]),
        ("bill from Premium", [{"start": 10, "end": 17, "label": "account_type"}]),
        ("ETA of order 3707955617", [{"start": 13, "end": 23, "label": "order_id"}]),
    ]
    assert stats["duplicates"] == 1 and stats["repaired_out_of_range_spans"] == 1


def test_bitext_bad_row_names_file_and_line_or_is_counted(tmp_path: Path) -> None:
    folder = bitext_folder(
        tmp_path,
        [
            row("fine one"),
            row("   "),
            row("x", etype="order_id", s=5, e=9),
            row("ok two", etype="order_id", s="a", e=2),
        ],
    )  # type: ignore[arg-type]
    with pytest.raises(DataError, match=r"bitext_cs_tagged_4514_responses.csv:5: empty_text"):
        read_bitext(folder, Skips(False))
    skips = Skips(True)
    examples, _ = read_bitext(folder, skips)
    assert [x["text"] for x in examples] == ["fine one"]
    assert dict(skips.counts) == {"empty_text": 1, "span_out_of_range": 1, "malformed_row": 1}


def jointbert_folder(tmp_path: Path, seq_in: list[str], seq_out: list[str], labels: list[str]) -> Path:
    for name, lines in (("seq.in", seq_in), ("seq.out", seq_out), ("label", labels)):
        (tmp_path / name).write_text("".join(x + "\n" for x in lines), encoding="utf-8")
    return tmp_path


def test_jointbert_joins_words_and_tolerates_trailing_spaces(tmp_path: Path) -> None:
    folder = jointbert_folder(
        tmp_path,
        ["play  the beatles now ", "book a table"],
        ["O B-artist I-artist O ", "O O O "],
        ["PlayMusic", "BookRestaurant"],
    )
    examples = read_jointbert_split(folder, Skips(False))
    assert examples[0]["text"] == "play the beatles now"
    assert examples[0]["entities"] == [{"start": 5, "end": 16, "label": "artist"}]
    assert examples[1]["entities"] == []


def test_jointbert_tag_count_mismatch_names_the_line(tmp_path: Path) -> None:
    folder = jointbert_folder(tmp_path, ["a b", "c d"], ["O O", "O"], ["x", "y"])
    with pytest.raises(DataError, match=r"seq.out:2: malformed_row"):
        read_jointbert_split(folder, Skips(False))
    skips = Skips(True)
    assert len(read_jointbert_split(folder, skips)) == 1 and skips.counts["malformed_row"] == 1


def test_transcripts_keep_labelled_customer_turns(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    conv = {
        "conversation_id": "c1",
        "turns": [
            {
                "role": "customer",
                "text": "where is order 12",
                "intent": "track_order",
                "entities": [{"start": 15, "end": 17, "label": "order_id"}],
            },
            {"role": "agent", "text": "let me check"},
            {"role": "customer", "text": "thanks"},
        ],
    }
    bad_span = {
        "conversation_id": "c2",
        "turns": [
            {"role": "customer", "text": "hi", "intent": "greet", "entities": [{"start": 0, "end": 9, "label": "x"}]}
        ],
    }
    path.write_text(json.dumps(conv) + "\n{not json\n" + json.dumps(bad_span) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"t.jsonl:2: malformed_json"):
        read_transcripts(path, Skips(False))
    skips = Skips(True)
    examples, stats = read_transcripts(path, skips)
    assert [x["text"] for x in examples] == ["where is order 12"]
    assert stats["unlabelled_customer_turns"] == 1
    assert dict(skips.counts) == {"malformed_json": 1, "span_out_of_range": 1}


def test_canonical_reader_rejects_overlapping_spans(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text(
        json.dumps(
            {
                "text": "David Miller",
                "intent": "x",
                "entities": [{"start": 0, "end": 12, "label": "p"}, {"start": 6, "end": 12, "label": "p"}],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"train.jsonl:1: overlapping_spans"):
        read_jsonl(path)


def test_split_is_stratified_and_independent_of_input_order() -> None:
    examples = [{"text": f"utt {i}", "intent": f"i{i % 3}", "entities": []} for i in range(300)]
    a = stratified_split(examples, seed=13)
    shuffled = examples[:]
    random.Random(1).shuffle(shuffled)
    assert stratified_split(shuffled, seed=13) == a
    assert [len(a[s]) for s in SPLITS] == [240, 30, 30]
    assert {x["intent"] for x in a["test"]} == {"i0", "i1", "i2"}
    assert stratified_split(examples, seed=14) != a


def test_unseen_dev_label_is_an_error_and_skip_mode_counts_it(tmp_path: Path) -> None:
    for split, labels in (("train", ["a", "b"]), ("dev", ["a", "zzz"]), ("test", ["b", "a"])):
        (tmp_path / split).mkdir()
        jointbert_folder(tmp_path / split, ["w w", "v v"], ["O O", "O O"], labels)
    with pytest.raises(DataError, match=r"dev/seq.in:2: unknown_label"):
        prepare("jointbert", tmp_path, tmp_path / "out")
    meta = prepare("jointbert", tmp_path, tmp_path / "out", skip_invalid=True)
    assert meta["skipped"] == {"unknown_label": 1} and meta["counts"] == {"train": 2, "dev": 1, "test": 2}


def test_cli_prepare_reports_bad_input_without_a_traceback(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = bitext_folder(tmp_path, [row("")])
    assert main(["prepare", "--source", "bitext", "--input", str(folder), "--out", str(tmp_path / "o")]) == 2
    assert "bitext_cs_tagged_4514_responses.csv:2: empty_text" in caplog.text


@pytest.mark.skipif(not SHARED_BITEXT.is_dir(), reason="shared Bitext data not present")
def test_prepare_bitext_regenerates_the_frozen_split_identically(tmp_path: Path) -> None:
    meta = prepare("bitext", SHARED_BITEXT, tmp_path)
    frozen = json.loads((FROZEN / "meta.json").read_text(encoding="utf-8"))
    assert meta["sha256"] == frozen["sha256"]
    for name in ("train.jsonl", "dev.jsonl", "test.jsonl", "LICENSE.txt"):
        assert (tmp_path / name).read_bytes() == (FROZEN / name).read_bytes()

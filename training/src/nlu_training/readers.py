"""Readers that turn source formats into canonical examples.

Canonical example: {"text", "intent", "entities": [{"start", "end", "label"}]} with code-point
offsets, end exclusive. Every bad row either raises DataError naming file and line, or (skip mode)
is counted per reason in a Skips tally that ends up in meta.json and the report.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

Example = dict[str, Any]

BITEXT_FILES = (
    "bitext_cs_tagged_4514_responses.csv",
    "bitext_cs_tagged_6480_gpt35_one_response_per_intent.csv",
)


class DataError(ValueError):
    """A row of input data that cannot be used; the message names file and line."""

    def __init__(self, path: Path | str, line: int, reason: str, detail: str) -> None:
        super().__init__(f"{path}:{line}: {reason}: {detail}")
        self.reason = reason


class Skips:
    """Collects invalid rows: raises at once unless skip mode is on, then counts per reason."""

    def __init__(self, skip_invalid: bool) -> None:
        self.skip_invalid = skip_invalid
        self.counts: Counter[str] = Counter()
        self.samples: list[str] = []

    def bad(self, path: Path | str, line: int, reason: str, detail: str) -> None:
        err = DataError(path, line, reason, detail)
        if not self.skip_invalid:
            raise err
        self.counts[reason] += 1
        if len(self.samples) < 20:
            self.samples.append(str(err))


def check_example(ex: Example) -> tuple[str, str] | None:
    """Returns (reason, detail) when a canonical example is unusable, else None."""
    text, intent, ents = ex.get("text"), ex.get("intent"), ex.get("entities", [])
    if not isinstance(text, str) or not text.strip():
        return "empty_text", repr(text)
    if not isinstance(intent, str) or not intent.strip():
        return "missing_intent", repr(intent)
    if not isinstance(ents, list):
        return "bad_entities", repr(ents)
    last_end = -1
    for e in sorted(ents, key=lambda e: e.get("start", -1) if isinstance(e, dict) else -1):
        if not isinstance(e, dict) or not isinstance(e.get("label"), str) or not e["label"]:
            return "bad_entities", repr(e)
        s, t = e.get("start"), e.get("end")
        if not isinstance(s, int) or not isinstance(t, int) or not 0 <= s < t <= len(text):
            return "span_out_of_range", f"{s}-{t} in text of length {len(text)}"
        if not text[s:t].strip():
            return "span_out_of_range", f"{s}-{t} covers only whitespace"
        if s < last_end:
            return "overlapping_spans", f"{s}-{t}"
        last_end = t
    return None


def _trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Bitext spans sometimes carry surrounding spaces or a trailing ', '."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == ","):
        end -= 1
    return start, end


def read_bitext(folder: Path, skips: Skips) -> tuple[list[Example], dict[str, int]]:
    """Both Bitext CSVs, deduplicated on case/space-folded text (first occurrence wins)."""
    seen: set[str] = set()
    out: list[Example] = []
    stats: Counter[str] = Counter()
    for name in BITEXT_FILES:
        path = folder / name
        if not path.is_file():
            raise DataError(path, 0, "missing_file", "Bitext CSV not found")
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            line = reader.line_num + 2  # header is line 1; csv counts physical lines read so far
            for row in reader:
                stats["rows"] += 1
                ex = _bitext_row(path, line, row, skips, stats)
                line = reader.line_num + 1
                if ex is None:
                    continue
                key = " ".join(ex["text"].lower().split())
                if key in seen:
                    stats["duplicates"] += 1
                    continue
                seen.add(key)
                ex["_loc"] = (str(path), line)
                out.append(ex)
    return out, dict(stats)


def _bitext_row(path: Path, line: int, row: dict[str, Any], skips: Skips, stats: Counter[str]) -> Example | None:
    text, intent = row.get("instruction"), row.get("intent")
    if None in row or text is None or intent is None:
        skips.bad(path, line, "malformed_row", "wrong number of columns")
        return None
    ents = []
    etype = (row.get("entity_type") or "").strip()
    if etype:
        try:
            s, t = int(row["start_offset"]), int(row["end_offset"])
        except (TypeError, ValueError):
            skips.bad(path, line, "malformed_row", "offsets are not integers")
            return None
        value = (row.get("entity_value") or "").strip()
        if not 0 <= s < t <= len(text) and value and text[s : s + len(value)] == value:
            # 99 upstream rows end past the text: the offsets were computed for a longer id than
            # the one in the utterance. The value sitting exactly at start_offset pins the span.
            t = s + len(value)
            stats["repaired_out_of_range_spans"] += 1
        if 0 <= s < t <= len(text):
            s, t = _trim_span(text, s, t)
        ents.append({"start": s, "end": t, "label": etype})
    ex: Example = {"text": text, "intent": intent.strip(), "entities": ents}
    problem = check_example(ex)
    if problem:
        skips.bad(path, line, *problem)
        return None
    return ex


def read_jointbert_split(folder: Path, skips: Skips) -> list[Example]:
    """One JointBERT split folder: seq.in words, seq.out BIO tags, label intents (line-aligned)."""
    from .words import Span, Word, bio_to_spans

    files = {n: folder / n for n in ("seq.in", "seq.out", "label")}
    for p in files.values():
        if not p.is_file():
            raise DataError(p, 0, "missing_file", "JointBERT file not found")
    lines = {n: p.read_text(encoding="utf-8").splitlines() for n, p in files.items()}
    if len({len(v) for v in lines.values()}) != 1:
        counts = {n: len(v) for n, v in lines.items()}
        raise DataError(folder, 0, "malformed_file", f"line counts differ {counts}")
    out: list[Example] = []
    for i, (seq_in, seq_out, label) in enumerate(
        zip(lines["seq.in"], lines["seq.out"], lines["label"], strict=True), start=1
    ):
        toks, tags = seq_in.split(), seq_out.split()  # seq.out lines end with a space in SNIPS
        if len(toks) != len(tags):
            skips.bad(files["seq.out"], i, "malformed_row", f"{len(toks)} words, {len(tags)} tags")
            continue
        bad = [t for t in tags if t != "O" and not t.startswith(("B-", "I-"))]
        if bad:
            skips.bad(files["seq.out"], i, "malformed_row", f"not a BIO tag: {bad[0]}")
            continue
        words, pos = [], 0
        for tok in toks:
            words.append(Word(tok, pos, pos + len(tok)))
            pos += len(tok) + 1
        spans: list[Span] = bio_to_spans(words, tags)
        ex: Example = {
            "text": " ".join(toks),
            "intent": label.strip(),
            "entities": [{"start": s.start, "end": s.end, "label": s.label} for s in spans],
        }
        problem = check_example(ex)
        if problem:
            skips.bad(files["seq.in"], i, *problem)
            continue
        ex["_loc"] = (str(files["seq.in"]), i)
        out.append(ex)
    return out


def read_transcripts(path: Path, skips: Skips) -> tuple[list[Example], dict[str, int]]:
    """Transcript JSON Lines: labelled customer turns become examples; others are counted."""
    out: list[Example] = []
    stats: Counter[str] = Counter()
    with path.open(encoding="utf-8") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                conv = json.loads(raw)
            except json.JSONDecodeError as e:
                skips.bad(path, line_no, "malformed_json", e.msg)
                continue
            turns = conv.get("turns") if isinstance(conv, dict) else None
            if not isinstance(turns, list):
                skips.bad(path, line_no, "malformed_row", "no turns list")
                continue
            stats["conversations"] += 1
            for k, turn in enumerate(turns):
                if not isinstance(turn, dict) or turn.get("role") not in ("customer", "agent"):
                    skips.bad(path, line_no, "malformed_row", f"turn {k}: bad role")
                    continue
                if turn["role"] != "customer":
                    continue
                if "intent" not in turn:
                    stats["unlabelled_customer_turns"] += 1
                    continue
                ex: Example = {
                    "text": turn.get("text"),
                    "intent": turn.get("intent"),
                    "entities": turn.get("entities", []),
                }
                problem = check_example(ex)
                if problem:
                    skips.bad(path, line_no, problem[0], f"turn {k}: {problem[1]}")
                    continue
                ex["_loc"] = (str(path), line_no)
                out.append(ex)
    return out, dict(stats)

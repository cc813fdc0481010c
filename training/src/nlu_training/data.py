"""Canonical JSON Lines files: prepare (source -> frozen split), read back, hash, label sets."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from .readers import (
    DataError,
    Example,
    Skips,
    check_example,
    read_bitext,
    read_jointbert_split,
    read_transcripts,
)
from .words import Span, spans_to_bio, split_words

SPLITS = ("train", "dev", "test")
SOURCES = ("bitext", "jointbert", "transcripts", "jsonl")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def stratified_split(examples: list[Example], seed: int) -> dict[str, list[Example]]:
    """80/10/10 per intent. A pure function of the examples and seed: items are sorted by text
    before a per-intent seeded shuffle, so input order does not matter."""
    by_intent: dict[str, list[Example]] = defaultdict(list)
    for ex in examples:
        by_intent[ex["intent"]].append(ex)
    out: dict[str, list[Example]] = {s: [] for s in SPLITS}
    for intent in sorted(by_intent):
        items = sorted(by_intent[intent], key=lambda e: (e["text"], json.dumps(e["entities"])))
        random.Random(f"{seed}:{intent}").shuffle(items)
        n_eval = round(len(items) * 0.1) if len(items) >= 10 else 0
        out["test"] += items[:n_eval]
        out["dev"] += items[n_eval : 2 * n_eval]
        out["train"] += items[2 * n_eval :]
    return out


def write_jsonl(path: Path, examples: list[Example]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for ex in examples:
            row = {"text": ex["text"], "intent": ex["intent"], "entities": ex["entities"]}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path, skips: Skips | None = None) -> list[Example]:
    """Reads a canonical file; every bad line raises DataError (file:line) or is counted."""
    skips = skips or Skips(skip_invalid=False)
    if not path.is_file():
        raise DataError(path, 0, "missing_file", "canonical data file not found")
    out: list[Example] = []
    with path.open(encoding="utf-8") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                ex = json.loads(raw)
            except json.JSONDecodeError as e:
                skips.bad(path, line_no, "malformed_json", e.msg)
                continue
            problem = check_example(ex) if isinstance(ex, dict) else ("malformed_row", "not an object")
            if problem:
                skips.bad(path, line_no, *problem)
                continue
            ex["_loc"] = (str(path), line_no)
            out.append(ex)
    return out


def check_unseen(splits: dict[str, list[Example]], policy: str, skips: Skips) -> dict[str, int]:
    """Labels in dev/test that train never shows. policy 'error' rejects them (or skips rows in skip
    mode); 'keep' leaves them in, scored as errors, as JointBERT's UNK mapping does for ATIS."""
    intents = {e["intent"] for e in splits["train"]}
    types = {en["label"] for e in splits["train"] for en in e["entities"]}
    counts: Counter[str] = Counter()
    for split in ("dev", "test"):
        kept = []
        for ex in splits[split]:
            bad_types = [en["label"] for en in ex["entities"] if en["label"] not in types]
            unseen = ex["intent"] not in intents or bad_types
            if unseen and policy == "error":
                path, line = ex.get("_loc", (split, 0))
                what = ex["intent"] if ex["intent"] not in intents else bad_types[0]
                skips.bad(path, line, "unknown_label", f"{what} not in train")
                continue
            if ex["intent"] not in intents:
                counts[f"{split}_unseen_intent"] += 1
            if bad_types:
                counts[f"{split}_unseen_entity_type"] += 1
            kept.append(ex)
        splits[split] = kept
    return dict(counts)


def snapped_spans(examples: list[Example]) -> int:
    """How many spans do not start and end on word boundaries (they are snapped to whole words)."""
    total = 0
    for ex in examples:
        spans = [Span(e["start"], e["end"], e["label"]) for e in ex["entities"]]
        total += spans_to_bio(split_words(ex["text"]), spans)[1]
    return total


def load_source(source: str, path: Path, seed: int, skips: Skips) -> tuple[dict[str, list[Example]], dict[str, Any]]:
    if source == "bitext":
        examples, stats = read_bitext(path, skips)
        return stratified_split(examples, seed), stats
    if source == "jointbert":
        return {s: read_jointbert_split(path / s, skips) for s in SPLITS}, {}
    if source == "transcripts":
        if path.is_dir():
            loaded = {s: read_transcripts(path / f"{s}.jsonl", skips) for s in SPLITS}
            stats = {f"{s}_{k}": v for s, (_, st) in loaded.items() for k, v in st.items()}
            return {s: ex for s, (ex, _) in loaded.items()}, stats
        examples, stats = read_transcripts(path, skips)
        return stratified_split(examples, seed), stats
    if source == "jsonl":  # one canonical file, e.g. hand-written examples: the same frozen 80/10/10 split as bitext
        return stratified_split(read_jsonl(path, skips), seed), {}
    raise ValueError(f"unknown source {source!r}; expected one of {SOURCES}")


def prepare(
    source: str,
    input_path: Path,
    out_dir: Path,
    *,
    seed: int = 13,
    skip_invalid: bool = False,
    unseen_labels: str = "error",
) -> dict[str, Any]:
    """Reads a source, splits it, writes train/dev/test.jsonl + meta.json into out_dir."""
    skips = Skips(skip_invalid)
    splits, stats = load_source(source, input_path, seed, skips)
    unseen = check_unseen(splits, unseen_labels, skips)
    out_dir.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for s in SPLITS:
        write_jsonl(out_dir / f"{s}.jsonl", splits[s])
        hashes[f"{s}.jsonl"] = sha256_file(out_dir / f"{s}.jsonl")
    for lic in ("LICENSE.txt", "LICENSE"):
        if input_path.is_dir() and (input_path / lic).is_file():
            shutil.copyfile(input_path / lic, out_dir / lic)
    meta = {
        "source": source,
        "input": input_path.name,
        "seed": seed,
        "counts": {s: len(splits[s]) for s in SPLITS},
        "intents": sorted({e["intent"] for e in splits["train"]}),
        "entity_types": sorted({en["label"] for e in splits["train"] for en in e["entities"]}),
        "entity_counts": dict(
            sorted(Counter(en["label"] for s in SPLITS for e in splits[s] for en in e["entities"]).items())
        ),
        "reader_stats": stats,
        "skipped": dict(sorted(skips.counts.items())),
        "skipped_samples": [m.replace(str(input_path), input_path.name) for m in skips.samples],
        "unseen_labels": {"policy": unseen_labels, **unseen},
        "snapped_spans": {s: snapped_spans(splits[s]) for s in SPLITS},
        "sha256": hashes,
        "data_sha256": data_hash(hashes),
    }
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return meta


def data_hash(hashes: dict[str, str]) -> str:
    return hashlib.sha256("".join(hashes[f"{s}.jsonl"] for s in SPLITS).encode()).hexdigest()


def load_canonical(data_dir: Path) -> tuple[dict[str, list[Example]], dict[str, Any]]:
    """Reads a prepared folder and checks its files still match meta.json (frozen splits)."""
    meta_path = data_dir / "meta.json"
    meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    splits = {s: read_jsonl(data_dir / f"{s}.jsonl") for s in SPLITS}
    hashes = {f"{s}.jsonl": sha256_file(data_dir / f"{s}.jsonl") for s in SPLITS}
    for name, digest in meta.get("sha256", {}).items():
        if hashes.get(name) != digest:
            raise DataError(data_dir / name, 0, "hash_mismatch", "file differs from meta.json; re-run prepare")
    meta["data_sha256"] = data_hash(hashes)
    return splits, meta


def load_merged(
    data_dir: Path, extra: tuple[str, ...] | list[str] = ()
) -> tuple[dict[str, list[Example]], dict[str, Any]]:
    """The main prepared folder plus `extra` prepared folders, concatenated split by split. Without
    extras the meta (and its data hash) is the main folder's own, so existing models stay current."""
    splits, meta = load_canonical(data_dir)
    if not extra:
        return splits, meta
    parts = [{"path": data_dir.name, "source": meta.get("source", "canonical"), "data_sha256": meta["data_sha256"]}]
    for folder in map(Path, extra):
        more, more_meta = load_canonical(folder)
        for s in SPLITS:
            splits[s] = splits[s] + more[s]
        parts.append(
            {
                "path": folder.name,
                "source": more_meta.get("source", "canonical"),
                "data_sha256": more_meta["data_sha256"],
                "counts": {s: len(more[s]) for s in SPLITS},
            }
        )
    merged = dict(meta)
    merged["parts"] = parts
    merged["data_sha256"] = hashlib.sha256(":".join(p["data_sha256"] for p in parts).encode()).hexdigest()
    return splits, merged

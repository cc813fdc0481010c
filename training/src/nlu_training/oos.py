"""Out-of-scope examples: a seeded, stratified sample of SNIPS (CC0) relabelled `out_of_scope`, plus a
small hand-written set, written as a canonical folder that a config merges in through `data.extra`."""

from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from .data import SPLITS, data_hash, sha256_file, stratified_split, write_jsonl
from .readers import DataError, Example, Skips, read_jointbert_split

OOS_INTENT = "out_of_scope"
# RateBook ("rate this novel 4 out of 6 stars") reads like the in-scope `review` intent of a shop; teaching
# the model that rating something is off-topic would fight the support data, so it is left out.
DEFAULT_EXCLUDE = ("RateBook",)
# SearchCreativeWork has rows like "where can i buy the movie totality": a shopper's question, which a shop's
# bot should not learn to refuse. SNIPS rows with a shopping word are dropped before sampling.
SHOPPING = re.compile(r"\b(buy|purchase|price|order|pay|deliver|ship|refund|account|cancel|invoice|subscri)", re.I)


def norm(text: str) -> str:
    return " ".join(text.lower().split())


def read_handwritten(path: Path) -> list[Example]:
    """One utterance per line; blank lines and `#` comments are skipped; duplicates are an error."""
    out: list[Example] = []
    seen: set[str] = set()
    for line_no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        if norm(text) in seen:
            raise DataError(path, line_no, "duplicate", text)
        seen.add(norm(text))
        out.append({"text": text, "intent": OOS_INTENT, "entities": []})
    return out


def sample_stratified(examples: list[Example], n: int, seed: int, tag: str) -> list[Example]:
    """n examples spread over the source intents in proportion to their counts (largest remainder);
    within an intent, text-sorted then shuffled with a per-intent seed, so input order does not matter."""
    by_intent: dict[str, list[Example]] = defaultdict(list)
    for ex in examples:
        by_intent[ex["intent"]].append(ex)
    total = len(examples)
    n = min(n, total)
    exact = {k: n * len(v) / total for k, v in by_intent.items()}
    take = {k: int(q) for k, q in exact.items()}
    for k in sorted(exact, key=lambda k: (-(exact[k] - take[k]), k))[: n - sum(take.values())]:
        take[k] += 1
    out: list[Example] = []
    for intent in sorted(by_intent):
        items = sorted(by_intent[intent], key=lambda e: e["text"])
        random.Random(f"{seed}:{tag}:{intent}").shuffle(items)
        out += items[: take[intent]]
    return out


def _unique(examples: list[Example], banned: set[str]) -> list[Example]:
    """Drops texts seen in `banned` or earlier in the list; adds the kept ones to `banned`."""
    kept = []
    for ex in examples:
        key = norm(ex["text"])
        if key not in banned:
            banned.add(key)
            kept.append(ex)
    return kept


def build_oos_splits(
    snips_dir: Path,
    handwritten: Path | None,
    *,
    n_train: int,
    seed: int,
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE,
    in_scope_texts: set[str] | None = None,
) -> tuple[dict[str, list[Example]], dict[str, Any]]:
    """Each split samples only SNIPS's own split of the same name, so nothing crosses train/dev/test;
    dev and test get n_train / 8 each (the 80/10/10 of the support split). Texts are deduplicated
    across all splits (train first) and against the in-scope data."""
    banned = {norm(t) for t in (in_scope_texts or set())}
    want = {"train": n_train, "dev": round(n_train / 8), "test": round(n_train / 8)}
    hand = stratified_split(read_handwritten(handwritten), seed) if handwritten else {s: [] for s in SPLITS}
    out: dict[str, list[Example]] = {}
    stats: dict[str, Any] = {"snips_intents": {}, "handwritten": {s: len(hand[s]) for s in SPLITS}}
    for split in SPLITS:
        rows = [
            e
            for e in read_jointbert_split(snips_dir / split, Skips(False))
            if e["intent"] not in exclude and not SHOPPING.search(e["text"])
        ]
        rows = _unique(sorted(rows, key=lambda e: (e["intent"], e["text"])), set(banned))
        picked = sample_stratified(rows, want[split], seed, split)
        stats["snips_intents"][split] = dict(sorted(Counter(e["intent"] for e in picked).items()))
        merged = [{"text": e["text"], "intent": OOS_INTENT, "entities": []} for e in picked] + hand[split]
        out[split] = _unique(merged, banned)
    return out, stats


def prepare_oos(
    snips_dir: Path,
    handwritten: Path | None,
    out_dir: Path,
    *,
    n_train: int = 800,
    seed: int = 13,
    in_scope_dir: Path | None = None,
) -> dict[str, Any]:
    """Writes train/dev/test.jsonl + meta.json (same layout as `prepare`) into out_dir."""
    in_scope: set[str] = set()
    if in_scope_dir is not None:
        for s in SPLITS:
            with (in_scope_dir / f"{s}.jsonl").open(encoding="utf-8") as fh:
                in_scope |= {json.loads(line)["text"] for line in fh if line.strip()}
    splits, stats = build_oos_splits(snips_dir, handwritten, n_train=n_train, seed=seed, in_scope_texts=in_scope)
    out_dir.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for s in SPLITS:
        write_jsonl(out_dir / f"{s}.jsonl", splits[s])
        hashes[f"{s}.jsonl"] = sha256_file(out_dir / f"{s}.jsonl")
    meta = {
        "source": "oos",
        "input": [snips_dir.name, *([handwritten.name] if handwritten else [])],
        "seed": seed,
        "counts": {s: len(splits[s]) for s in SPLITS},
        "intents": [OOS_INTENT],
        "entity_types": [],
        "excluded_snips_intents": list(DEFAULT_EXCLUDE),
        "excluded_snips_pattern": SHOPPING.pattern,
        "reader_stats": stats,
        "sha256": hashes,
        "data_sha256": data_hash(hashes),
    }
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return meta

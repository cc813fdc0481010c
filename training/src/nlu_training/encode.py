"""Canonical examples -> model inputs: words -> WordPiece pieces, BIO labels on first pieces."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .decoding import CrfScores, decode_word_tags
from .readers import DataError, Example
from .words import Span, Word, bio_to_spans, spans_to_bio, split_words

IGNORE = -100


@dataclass(frozen=True)
class Labels:
    intents: list[str]
    tags: list[str]
    entity_types: list[str]
    crf: CrfScores | None = None  # learned CRF scores of a model trained with crf = true (crf.py)

    @classmethod
    def from_train(cls, train: list[Example]) -> Labels:
        types = sorted({e["label"] for ex in train for e in ex["entities"]})
        tags = ["O"] + [f"{p}-{t}" for t in types for p in ("B", "I")]
        return cls(sorted({ex["intent"] for ex in train}), tags, types)

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"intents": self.intents, "tags": self.tags, "entity_types": self.entity_types}
        if self.crf is not None:
            d["crf"] = self.crf.to_json()
        return d

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    def with_crf(self, model: Any) -> Labels:
        """These labels with the CRF scores `model` (a JointModel) has learned so far, if it has a CRF."""
        return dataclasses.replace(self, crf=model.crf.scores()) if model.crf is not None else self

    @classmethod
    def load(cls, path: Path) -> Labels:
        d = json.loads(path.read_text(encoding="utf-8"))
        try:
            crf = CrfScores.from_json(d["crf"], len(d["tags"])) if "crf" in d else None
        except ValueError as e:  # a typed error the CLI reports in one line, naming the file
            raise DataError(path, 1, "invalid crf", str(e)) from e
        return cls(d["intents"], d["tags"], d["entity_types"], crf)


@dataclass
class Encoded:
    input_ids: list[int]
    intent: int  # -1 when the gold intent is unseen in train (always scored as an error)
    tag_labels: list[int]  # per piece, IGNORE except on each word's first piece
    words: list[Word]
    first_piece: list[int]  # per word: piece index of its first piece, -1 if truncated away
    gold: list[Span]
    snapped: int


def encode_example(ex: Example, tokenizer: Any, labels: Labels, max_len: int) -> Encoded:
    words = split_words(ex["text"])
    gold = [Span(e["start"], e["end"], e["label"]) for e in ex["entities"]]
    word_tags, snapped = spans_to_bio(words, gold)
    enc = tokenizer([w.text for w in words], is_split_into_words=True, truncation=True, max_length=max_len)
    tag_index = {t: i for i, t in enumerate(labels.tags)}
    first_piece = [-1] * len(words)
    tag_labels = [IGNORE] * len(enc["input_ids"])
    for pos, wid in enumerate(enc.word_ids()):
        if wid is not None and first_piece[wid] < 0:
            first_piece[wid] = pos
            # A type unseen in train (ATIS test) has no tag index; train never sees it, eval scores spans.
            tag_labels[pos] = tag_index.get(word_tags[wid], 0)
    intent_index = {n: i for i, n in enumerate(labels.intents)}
    return Encoded(enc["input_ids"], intent_index.get(ex["intent"], -1), tag_labels, words, first_piece, gold, snapped)


def encode_all(examples: list[Example], tokenizer: Any, labels: Labels, max_len: int) -> list[Encoded]:
    return [encode_example(ex, tokenizer, labels, max_len) for ex in examples]


def collate(batch: list[Encoded], pad_id: int = 0) -> dict[str, torch.Tensor]:
    """Dynamic padding to the longest sequence in the batch."""
    width = max(len(b.input_ids) for b in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    tags = torch.full((len(batch), width), IGNORE, dtype=torch.long)
    for i, b in enumerate(batch):
        n = len(b.input_ids)
        ids[i, :n] = torch.tensor(b.input_ids)
        mask[i, :n] = 1
        tags[i, :n] = torch.tensor(b.tag_labels)
    intents = torch.tensor([b.intent for b in batch], dtype=torch.long)
    return {"input_ids": ids, "attention_mask": mask, "tags": tags, "intent": intents}


def decode_spans(enc: Encoded, piece_logits: np.ndarray, labels: Labels) -> tuple[list[Span], list[int]]:
    """Tag logits of one sequence [n_pieces, T] -> the best valid BIO path over the words (decoding.py)
    -> char spans; truncated words get O. Returns the spans and the tag index chosen for each word."""
    word_tags = decode_word_tags(piece_logits, enc.first_piece, labels.tags, labels.crf)
    return bio_to_spans(enc.words, [labels.tags[t] for t in word_tags]), word_tags

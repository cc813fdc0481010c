"""Words with character offsets, and char span <-> word BIO conversion (docs/model-format.md).

The TypeScript runtime applies the same word rule, so any change here is a model-format change.
Offsets are Python code points; `utf16_offset` converts for the parity file.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str


def is_punctuation(ch: str) -> bool:
    """BERT's definition: the four ASCII symbol ranges plus every Unicode P* category."""
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_cjk(ch: str) -> bool:
    """BERT's CJK ideograph blocks (not Hangul or kana, which are space-separated or alphabetic)."""
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def _char_class(ch: str) -> str:
    """'L' for letters, 'D' for decimal digits, '' for anything else (never triggers a split)."""
    cat = unicodedata.category(ch)
    if cat.startswith("L"):
        return "L"
    if cat == "Nd":
        return "D"
    return ""


def split_words(text: str) -> list[Word]:
    words: list[Word] = []
    start = -1
    last_class = ""

    def close(end: int) -> None:
        nonlocal start
        if start >= 0:
            words.append(Word(text[start:end], start, end))
        start = -1

    for i, ch in enumerate(text):
        if ch.isspace():
            close(i)
            continue
        if is_punctuation(ch) or is_cjk(ch):
            close(i)
            words.append(Word(ch, i, i + 1))
            continue
        cls = _char_class(ch)
        if start >= 0 and cls and last_class and cls != last_class:
            close(i)
        if start < 0:
            start = i
            last_class = ""
        if cls:
            last_class = cls
    close(len(text))
    return words


def spans_to_bio(words: Sequence[Word], spans: Sequence[Span]) -> tuple[list[str], int]:
    """Tag every word that overlaps a span. Returns (tags, number of spans snapped to whole words)."""
    tags = ["O"] * len(words)
    snapped = 0
    for span in sorted(spans, key=lambda s: s.start):
        idx = [i for i, w in enumerate(words) if w.start < span.end and w.end > span.start]
        if not idx:
            raise ValueError(f"span {span.start}-{span.end} covers no word")
        if words[idx[0]].start != span.start or words[idx[-1]].end != span.end:
            snapped += 1
        for k, i in enumerate(idx):
            if tags[i] != "O":
                raise ValueError(f"span {span.start}-{span.end} overlaps another span")
            tags[i] = ("B-" if k == 0 else "I-") + span.label
    return tags, snapped


def bio_to_spans(words: Sequence[Word], tags: Sequence[str]) -> list[Span]:
    """Inverse of spans_to_bio; an I-x that does not continue an x entity starts a new one."""
    spans: list[Span] = []
    cur: list[int] | None = None  # [start, end]
    cur_label = ""
    for word, tag in zip(words, tags, strict=True):
        if tag.startswith("I-") and cur is not None and tag[2:] == cur_label:
            cur[1] = word.end
            continue
        if cur is not None:
            spans.append(Span(cur[0], cur[1], cur_label))
            cur = None
        if tag.startswith(("B-", "I-")):
            cur, cur_label = [word.start, word.end], tag[2:]
    if cur is not None:
        spans.append(Span(cur[0], cur[1], cur_label))
    return spans


def utf16_offset(text: str, index: int) -> int:
    """Code-point offset -> UTF-16 code-unit offset (what JavaScript strings index by)."""
    return index + sum(1 for ch in text[:index] if ord(ch) > 0xFFFF)

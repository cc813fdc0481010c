"""Linear-chain CRF over the word tags (config `crf = true`).

The tag head scores each word alone; a CRF adds learned scores for opening a message with a tag
(`start[T]`), for one tag following another (`trans[prev, cur]`) and for ending on a tag (`end[T]`), and
trains the whole sequence at once: loss = -log p(gold path) under a softmax over every valid BIO path.
Invalid BIO steps (`I-x` first, or after anything but `B-x`/`I-x`) are masked out of both the gold score and
the partition function, so the model never spends probability on paths the decoder cannot emit.

Words are the first pieces of each word (tags != IGNORE); they are gathered to the front of each row,
so padding, `[CLS]`, `[SEP]` and continuation pieces are not steps of the chain. Decoding (Viterbi over the
raw tag logits plus these scores) lives in decoding.py and libs/nlu/src/decoding.ts; the learned scores
ship in labels.json (docs/model-format.md)."""

from __future__ import annotations

from typing import Any

import torch

from .decoding import CrfScores, bio_grammar

MASKED = -1e4  # not -inf: a row whose gold path is invalid would otherwise give inf - inf = nan


class BioCrf(torch.nn.Module):
    """The learned scores, zero at the start (= Viterbi over the tag logits alone)."""

    may_start: torch.Tensor  # [T] bool buffer
    may_follow: torch.Tensor  # [T, T] bool buffer

    def __init__(self, tags: list[str]) -> None:
        super().__init__()
        n = len(tags)
        self.start = torch.nn.Parameter(torch.zeros(n))
        self.end = torch.nn.Parameter(torch.zeros(n))
        self.trans = torch.nn.Parameter(torch.zeros(n, n))
        may_start, may_follow = bio_grammar(tags)
        # buffers, not parameters: they move with .to(device) and are rebuilt from the tag list on load
        self.register_buffer("may_start", torch.from_numpy(may_start.copy()), persistent=False)
        self.register_buffer("may_follow", torch.from_numpy(may_follow.copy()), persistent=False)

    def masked(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        start = torch.where(self.may_start, self.start, torch.full_like(self.start, MASKED))
        trans = torch.where(self.may_follow, self.trans, torch.full_like(self.trans, MASKED))
        return start, trans, self.end

    def nll(self, tag_logits: torch.Tensor, tags: torch.Tensor, ignore: int) -> torch.Tensor:
        """Mean negative log-likelihood per word. tag_logits [B, S, T] (fp32), tags [B, S] with `ignore`
        everywhere but on each word's first piece."""
        valid = tags != ignore
        lengths = valid.sum(1)
        if int(lengths.max()) == 0:
            return tag_logits.sum() * 0.0  # no word in the batch: no tag loss, but a graph for backward
        w = int(lengths.max())
        # stable sort of "is not a word" brings each row's words to the front, in order
        idx = torch.argsort((~valid).int(), dim=1, stable=True)[:, :w]
        em = tag_logits.gather(1, idx.unsqueeze(-1).expand(-1, -1, tag_logits.shape[-1]))  # [B, W, T]
        gold = tags.gather(1, idx).clamp(min=0)  # padding steps read tag 0, masked below
        step = torch.arange(w, device=tags.device)[None, :] < lengths[:, None]  # [B, W]
        start, trans, end = self.masked()
        rows = torch.arange(em.shape[0], device=em.device)

        score = start[gold[:, 0]] + em[rows, 0, gold[:, 0]]
        alpha = start[None, :] + em[:, 0]
        for i in range(1, w):
            on = step[:, i]
            score = score + (trans[gold[:, i - 1], gold[:, i]] + em[rows, i, gold[:, i]]) * on
            nxt = torch.logsumexp(alpha[:, :, None] + trans[None], dim=1) + em[:, i]
            alpha = torch.where(on[:, None], nxt, alpha)
        score = score + end[gold[rows, (lengths - 1).clamp(min=0)]]
        log_z = torch.logsumexp(alpha + end[None, :], dim=1)
        has_words = (lengths > 0).to(em.dtype)
        return ((log_z - score) * has_words).sum() / lengths.sum()

    def scores(self) -> CrfScores:
        """The learned scores as labels.json stores them (unmasked; the decoder applies the grammar)."""

        # 9 significant digits round-trip a float32; training's dev decoding, the export's metrics and
        # parity file and the runtime all decode with exactly these values
        def r(x: torch.Tensor) -> list[Any]:
            return [float(f"{v:.9g}") for v in x.tolist()] if x.dim() == 1 else [r(row) for row in x]

        with torch.no_grad():
            start, end, trans = (p.detach().float().cpu() for p in (self.start, self.end, self.trans))
        return CrfScores(start=r(start), end=r(end), transitions=r(trans))

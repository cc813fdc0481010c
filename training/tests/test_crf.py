"""The linear-chain CRF (crf.py) and its decoding (decoding.py), checked against brute force over every
valid BIO path of short sequences."""

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from nlu_training.crf import BioCrf
from nlu_training.decoding import CrfScores, bio_grammar, crf_marginals, decode_word_tags, viterbi_tags
from nlu_training.encode import IGNORE, Labels
from nlu_training.readers import DataError

TAGS = ["O", "B-order_id", "I-order_id", "B-person_name", "I-person_name"]


def valid_paths(n: int) -> list[tuple[int, ...]]:
    may_start, follow = bio_grammar(TAGS)
    return [
        p
        for p in itertools.product(range(len(TAGS)), repeat=n)
        if may_start[p[0]] and all(follow[a, b] for a, b in itertools.pairwise(p))
    ]


def random_scores(rng: np.random.Generator) -> CrfScores:
    t = len(TAGS)
    return CrfScores(
        start=rng.normal(0, 1, t).tolist(),
        end=rng.normal(0, 1, t).tolist(),
        transitions=rng.normal(0, 1, (t, t)).tolist(),
    )


def path_score(em: np.ndarray, crf: CrfScores, path: tuple[int, ...]) -> float:
    start, trans, end = crf.arrays
    s = start[path[0]] + em[0, path[0]] + end[path[-1]]
    return float(s + sum(trans[a, b] + em[i + 1, b] for i, (a, b) in enumerate(itertools.pairwise(path))))


def test_viterbi_with_learned_scores_finds_the_best_valid_path() -> None:
    rng = np.random.default_rng(5)
    may_start, follow = bio_grammar(TAGS)
    for _ in range(30):
        n = int(rng.integers(1, 5))
        em, crf = rng.normal(0, 2, (n, len(TAGS))), random_scores(rng)
        best = max(valid_paths(n), key=lambda p: path_score(em, crf, p))
        assert tuple(viterbi_tags(em, may_start, follow, crf)) == best


def test_marginals_are_the_brute_force_probabilities_of_valid_paths() -> None:
    rng = np.random.default_rng(6)
    may_start, follow = bio_grammar(TAGS)
    for _ in range(20):
        n = int(rng.integers(1, 5))
        em, crf = rng.normal(0, 2, (n, len(TAGS))), random_scores(rng)
        paths = valid_paths(n)
        weights = np.exp([path_score(em, crf, p) for p in paths])
        want = np.zeros((n, len(TAGS)))
        for p, w in zip(paths, weights, strict=True):
            want[np.arange(n), list(p)] += w
        got = crf_marginals(em, may_start, follow, crf)
        np.testing.assert_allclose(got, want / weights.sum(), atol=1e-10)
        np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-10)
        assert (got[0, [2, 4]] == 0).all()  # an I- never opens the message


def test_nll_is_minus_log_probability_of_the_gold_path_per_word() -> None:
    torch.manual_seed(0)
    crf = BioCrf(TAGS)
    with torch.no_grad():
        for p in (crf.start, crf.end, crf.trans):
            p.normal_()
    # two rows: 3 words at pieces 1, 2, 4 (3 is a continuation piece), and 2 words then padding
    logits = torch.randn(2, 6, len(TAGS), dtype=torch.float64)
    tags = torch.full((2, 6), IGNORE)
    tags[0, [1, 2, 4]] = torch.tensor([1, 2, 0])
    tags[1, [1, 2]] = torch.tensor([3, 4])
    loss = crf.nll(logits, tags, IGNORE)
    scores = crf.scores()
    want = 0.0
    for row, pieces in ((0, [1, 2, 4]), (1, [1, 2])):
        em = logits[row, pieces].numpy()
        gold = tuple(int(t) for t in tags[row, pieces])
        log_z = np.logaddexp.reduce([path_score(em, scores, p) for p in valid_paths(len(pieces))])
        want += log_z - path_score(em, scores, gold)
    assert loss.item() == pytest.approx(want / 5, rel=1e-6)


def test_nll_trains_the_transition_scores_and_ignores_rows_without_words() -> None:
    crf = BioCrf(TAGS)
    logits = torch.zeros(2, 4, len(TAGS), requires_grad=True)
    tags = torch.full((2, 4), IGNORE)
    tags[0, [1, 2]] = torch.tensor([1, 2])  # B-order_id I-order_id; row 1 has no words
    loss = crf.nll(logits, tags, IGNORE)
    loss.backward()
    assert torch.isfinite(loss)
    assert crf.trans.grad is not None and crf.trans.grad[1, 2] < 0  # the gold step is made more likely
    assert logits.grad is not None and (logits.grad[1] == 0).all()
    empty = crf.nll(logits, torch.full((2, 4), IGNORE), IGNORE)
    assert float(empty) == 0.0


def test_decoding_with_a_crf_uses_the_raw_logits_and_the_learned_scores() -> None:
    # Word 2 alone says O; a strong learned B-order_id -> I-order_id step makes it continue the entity.
    logits = np.zeros((4, len(TAGS)), dtype=np.float32)
    logits[1, 1] = 3.0  # "order 12": B-order_id
    logits[2, 0], logits[2, 2] = 1.0, 0.5
    t = len(TAGS)
    trans = np.zeros((t, t))
    trans[1, 2] = 2.0
    crf = CrfScores([0.0] * t, [0.0] * t, trans.tolist())
    assert [TAGS[i] for i in decode_word_tags(logits, [1, 2], TAGS)] == ["B-order_id", "O"]
    assert [TAGS[i] for i in decode_word_tags(logits, [1, 2], TAGS, crf)] == ["B-order_id", "I-order_id"]
    assert [TAGS[i] for i in decode_word_tags(logits, [1, 2, -1], TAGS, crf)][2] == "O"  # truncated word


def test_labels_json_keeps_the_crf_scores_exactly(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    crf = BioCrf(TAGS)
    with torch.no_grad():
        crf.trans.copy_(torch.from_numpy(rng.normal(0, 1, (5, 5))))
    labels = Labels(["a", "b"], TAGS, ["order_id", "person_name"], crf.scores())
    labels.save(tmp_path / "labels.json")
    loaded = Labels.load(tmp_path / "labels.json")
    assert loaded == labels
    assert json.loads((tmp_path / "labels.json").read_text())["crf"]["transitions"][0] == labels.crf.transitions[0]
    assert np.float32(loaded.crf.transitions[2][3]) == crf.trans[2, 3]  # float32 values round-trip
    bad = json.loads((tmp_path / "labels.json").read_text())
    bad["crf"]["end"] = bad["crf"]["end"][:3]
    (tmp_path / "labels.json").write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="end\\[5\\]"):
        Labels.load(tmp_path / "labels.json")
    with pytest.raises(DataError, match=r"labels\.json"):  # typed: the CLI reports it in one line (exit 2)
        Labels.load(tmp_path / "labels.json")

import json
from pathlib import Path

import numpy as np
import pytest

from nlu_training.decoding import CrfScores, bio_grammar, crf_marginals, decode_word_tags, viterbi_tags, word_rows
from nlu_training.words import bio_to_spans, split_words

TAGS = ["O", "B-order_id", "I-order_id", "B-person_name", "I-person_name"]
GOLDEN = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "nlu" / "decoding.golden.json"


def logits_for(rows: list[dict[str, float]]) -> np.ndarray:
    """Per piece, logits of the named tags (others 0); piece 0 stands for [CLS]."""
    out = np.zeros((len(rows) + 1, len(TAGS)), dtype=np.float32)
    for i, row in enumerate(rows, start=1):
        for tag, v in row.items():
            out[i, TAGS.index(tag)] = v
    return out


def test_grammar_allows_inside_only_after_the_same_label() -> None:
    may_start, follow = bio_grammar(TAGS)
    assert may_start.tolist() == [True, True, False, True, False]
    i_order = TAGS.index("I-order_id")
    assert [TAGS[p] for p in range(len(TAGS)) if follow[p, i_order]] == ["B-order_id", "I-order_id"]
    assert follow[:, TAGS.index("B-person_name")].all() and follow[:, 0].all()


def test_boundary_hesitation_keeps_one_entity() -> None:
    # "order 12 34": word 3 leans I-person_name by arg-max (0.5 vs 0.45), which after B-order_id would be
    # repaired into a second entity; the valid path keeps "12 34" one order number.
    text = "order 12 34"
    words = split_words(text)
    logits = np.log(
        np.array(
            [
                [1, 1, 1, 1, 1],
                [0.9, 0.025, 0.025, 0.025, 0.025],
                [0.3, 0.6, 0.05, 0.025, 0.025],
                [0.03, 0.01, 0.45, 0.01, 0.5],
            ],
            dtype=np.float32,
        )
    )
    greedy = [TAGS[int(logits[p].argmax())] for p in (1, 2, 3)]
    repaired = [(s.start, s.end, s.label) for s in bio_to_spans(words, greedy)]
    assert repaired == [(6, 8, "order_id"), (9, 11, "person_name")]
    path = [TAGS[t] for t in decode_word_tags(logits, [1, 2, 3], TAGS)]
    assert path == ["O", "B-order_id", "I-order_id"]
    assert [(s.start, s.end, s.label) for s in bio_to_spans(words, path)] == [(6, 11, "order_id")]


def test_valid_argmax_path_is_kept_and_truncated_words_are_o() -> None:
    logits = logits_for([{"O": 5}, {"B-person_name": 5}, {"I-person_name": 5}, {"I-person_name": 9}])
    path = [TAGS[t] for t in decode_word_tags(logits, [1, 2, 3, -1], TAGS)]
    assert path == ["O", "B-person_name", "I-person_name", "O"]
    assert decode_word_tags(logits[:1], [], TAGS) == []


def test_viterbi_is_exact_on_small_cases() -> None:
    """Brute force over every valid sequence: Viterbi finds the best one."""
    import itertools

    rng = np.random.default_rng(3)
    may_start, follow = bio_grammar(TAGS)
    for _ in range(30):
        n = int(rng.integers(1, 5))
        lp = np.log(rng.dirichlet(np.ones(len(TAGS)), size=n))
        valid = [
            p
            for p in itertools.product(range(len(TAGS)), repeat=n)
            if may_start[p[0]] and all(follow[a, b] for a, b in itertools.pairwise(p))
        ]
        best = max(valid, key=lambda p: sum(lp[i, t] for i, t in enumerate(p)))
        assert tuple(viterbi_tags(lp, may_start, follow)) == best


@pytest.mark.parametrize("case", json.loads(GOLDEN.read_text(encoding="utf-8"))["cases"])
def test_golden_cases_shared_with_the_typescript_runtime(case: dict) -> None:
    logits = np.array(case["logits"], dtype=np.float32)
    crf = CrfScores.from_json(case["crf"], len(case["tags"])) if "crf" in case else None
    path = decode_word_tags(logits, case["first_piece"], case["tags"], crf)
    assert [case["tags"][t] for t in path] == case["word_tags"]
    rows = word_rows(logits, case["first_piece"], len(case["tags"]), crf)
    if crf is None:
        probs = [np.exp(rows[w, t]) for w, t in enumerate(path)]
    else:
        marg = crf_marginals(rows, *bio_grammar(case["tags"]), crf)
        probs = [marg[w, t] for w, t in enumerate(path)]
    np.testing.assert_allclose(probs, case["probs"], rtol=1e-12)


def test_golden_crf_cases_decode_otherwise_without_their_learned_scores() -> None:
    cases = [c for c in json.loads(GOLDEN.read_text(encoding="utf-8"))["cases"] if "crf" in c]
    assert len(cases) >= 20
    plain = [
        [c["tags"][t] for t in decode_word_tags(np.array(c["logits"], np.float32), c["first_piece"], c["tags"])]
        for c in cases
    ]
    assert sum(p != c["word_tags"] for p, c in zip(plain, cases, strict=True)) >= 5


def test_golden_cases_exercise_invalid_argmax_paths() -> None:
    cases = json.loads(GOLDEN.read_text(encoding="utf-8"))["cases"]
    differ = 0
    for c in cases:
        argmax = [c["tags"][int(np.argmax(c["logits"][p]))] if p >= 0 else "O" for p in c["first_piece"]]
        differ += argmax != c["word_tags"]
    assert differ >= 10

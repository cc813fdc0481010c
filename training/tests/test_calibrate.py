import numpy as np

from nlu_training.calibrate import calibrate, ece, fit_temperature, lowest_threshold, softmax, sweep


def overconfident(n: int = 2000, k: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Logits whose argmax is right ~70 % of the time but scaled to look ~100 % sure."""
    rng = np.random.default_rng(seed)
    gold = rng.integers(0, k, n)
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), gold] += 1.5
    return logits * 8, gold


def test_temperature_scaling_reduces_ece_on_overconfident_logits() -> None:
    logits, gold = overconfident()
    t = fit_temperature(logits, gold)
    assert t > 2
    assert ece(softmax(logits, t), gold)[0] < ece(softmax(logits), gold)[0] / 2


def test_temperature_ignores_unseen_gold_rows() -> None:
    logits, gold = overconfident()
    with_unseen = np.concatenate([gold[:-10], np.full(10, -1)])
    assert abs(fit_temperature(logits, with_unseen) - fit_temperature(logits[:-10], gold[:-10])) < 0.2


def test_thresholds_reach_their_precision_targets_and_respect_floors() -> None:
    logits, gold = overconfident()
    cal = calibrate(logits, gold, 0.98, 0.80, 0.5, 0.2)
    th = cal["thresholds"]
    assert 0.5 <= th["answer"] < 1 and 0.2 <= th["retrieval"] <= th["answer"] and th["review"] == th["answer"]
    rows = {round(r["threshold"], 2): r for r in cal["sweep"]}
    assert rows[round(th["answer"], 2)]["precision"] >= 98


def test_lowest_threshold_falls_back_to_the_floor_when_everything_is_right() -> None:
    gold = np.arange(4)
    probs = np.eye(4) * 0.9 + 0.025
    assert lowest_threshold(sweep(probs, gold), 0.98, 0.5) == 0.5

import { buildGateReport, gateSummary, ModelScores, remapConfusion, SetScores } from './gate-report';

function set(acc: number, slot: number, perIntent: Record<string, number>, entities = true): SetScores {
  return {
    n: 100,
    intent_accuracy: acc,
    intent_macro_f1: acc - 1,
    slot_f1: slot,
    exact_match: acc - 5,
    per_intent: Object.fromEntries(Object.entries(perIntent).map(([k, f1]) => [k, { f1, support: 50 }])),
    per_entity_type: entities ? { order_id: {} } : {},
    confusion: [
      [45, 5],
      [3, 47],
      [0, 0],
    ],
  };
}
const scores = (test: SetScores, reviewed?: SetScores): ModelScores => ({ version: 'v', intents: ['a', 'b'], sets: { test, ...(reviewed ? { reviewed } : {}) } });
const input = (cand: ModelScores, base: ModelScores | null) => ({
  candidate: { id: 'c', version: 'new', scores: cand },
  baseline: base ? { id: 'b', version: 'old', scores: base } : null,
  setNames: ['test', 'reviewed'] as ('test' | 'reviewed')[],
  tolerance: 0.5,
  minExamples: 20,
  now: new Date('2026-01-01T00:00:00Z'),
});

describe('buildGateReport', () => {
  it('passes within the tolerance and sorts per-intent rows by the biggest loss', () => {
    const sut = buildGateReport(input(scores(set(90.2, 80, { a: 90, b: 91 })), scores(set(90.6, 80.4, { a: 92, b: 90 }))));
    expect(sut.passed).toBe(true);
    expect(sut.sets[0].delta).toEqual({ intent_accuracy: -0.4, intent_macro_f1: -0.4, slot_f1: -0.4, exact_match: -0.4 });
    expect(sut.sets[0].perIntent.map((r) => [r.intent, r.delta])).toEqual([['a', -2], ['b', 1]]);
    expect(gateSummary(sut)).toBe('passed against old');
  });

  it('fails on intent accuracy or slot F1 beyond the tolerance, set by set', () => {
    const sut = buildGateReport(input(scores(set(89, 80, { a: 1 }), set(70, 0, { a: 1 }, false)), scores(set(90, 81, { a: 1 }), set(80, 0, { a: 1 }, false))));
    expect(sut.passed).toBe(false);
    expect(sut.failures).toEqual(['test: intent_accuracy -1.00 < -0.5', 'test: slot_f1 -1.00 < -0.5', 'reviewed: intent_accuracy -10.00 < -0.5']);
    expect(gateSummary(sut)).toBe('failed: test: intent_accuracy -1.00 < -0.5 (+2)');
  });

  it('reports but does not decide on a set smaller than minExamples, and passes without an active model', () => {
    const small = { ...set(10, 10, { a: 1 }), n: 5 };
    expect(buildGateReport(input(scores(set(90, 80, { a: 1 }), small), scores(set(90, 80, { a: 1 }), set(90, 80, { a: 1 })))).passed).toBe(true);
    const alone = buildGateReport(input(scores(set(50, 50, { a: 1 })), null));
    expect(alone.passed && alone.baseline === null && alone.sets[0].delta === null).toBe(true);
  });
});

describe('remapConfusion', () => {
  it('moves counts to the candidate label order and folds unknown gold labels into the last row', () => {
    expect(remapConfusion([[1, 2], [3, 4], [0, 0]], ['x', 'y'], ['y', 'z'])).toEqual([[4, 0], [0, 0], [2, 0]]);
  });
});

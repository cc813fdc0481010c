import { reciprocalRankFusion, RRF_K } from './rrf';

describe('reciprocalRankFusion', () => {
  it('sums 1/(k+rank) over the lists a document appears in', () => {
    const out = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['b', 'd'],
    ]);
    const score = Object.fromEntries(out.map((h) => [h.id, h.score]));
    expect(score.b).toBeCloseTo(1 / (RRF_K + 2) + 1 / (RRF_K + 1), 12);
    expect(score.a).toBeCloseTo(1 / (RRF_K + 1), 12);
    expect(score.d).toBeCloseTo(1 / (RRF_K + 2), 12);
    expect(out.map((h) => h.id)).toEqual(['b', 'a', 'd', 'c']);
  });

  it('lets agreement between lists beat a single first place', () => {
    const out = reciprocalRankFusion([
      ['x', 'y'],
      ['z', 'y'],
    ]);
    expect(out[0].id).toBe('y');
  });

  it('applies per-list weights and a custom k', () => {
    const out = reciprocalRankFusion([['a'], ['b']], { k: 0, weights: [1, 3] });
    expect(out).toEqual([
      { id: 'b', score: 3 },
      { id: 'a', score: 1 },
    ]);
  });

  it('returns nothing for empty lists', () => {
    expect(reciprocalRankFusion([[], []])).toEqual([]);
  });
});

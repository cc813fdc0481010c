import { DenseIndex, l2Normalise, meanVector } from './dense-index';

describe('DenseIndex', () => {
  const sut = new DenseIndex();
  sut.build([
    { id: 'x', vector: [1, 0, 0] },
    { id: 'y', vector: [0, 2, 0] },
    { id: 'xy', vector: [1, 1, 0] },
  ]);

  it('ranks by cosine similarity, exact scores, best first', () => {
    const out = sut.search(Float32Array.from([1, 0.1, 0]), 3);
    expect(out.map((h) => h.id)).toEqual(['x', 'xy', 'y']);
    expect(out[0].score).toBeCloseTo(1 / Math.sqrt(1.01), 5);
    expect(out[2].score).toBeCloseTo(0.1 / Math.sqrt(1.01), 5);
  });

  it('normalises stored rows, so a longer vector does not win by length', () => {
    expect(sut.search([0, 1, 0], 1)).toEqual([{ id: 'y', score: expect.closeTo(1, 5) }]);
  });

  it('limits to k and finds nothing for a query of another dimension or an empty index', () => {
    expect(sut.search([1, 0, 0], 2)).toHaveLength(2);
    expect(sut.search([1, 0], 3)).toEqual([]);
    expect(new DenseIndex().search([1], 3)).toEqual([]);
  });

  it('returns the same top k as scoring and sorting every row, ties to the earlier row, for any dimension', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    for (const dim of [1, 3, 8, 383]) {
      // Rows repeat (exact ties) and outnumber k, so the selection has to keep and order only the best.
      const base = Array.from({ length: 40 }, () => Array.from({ length: dim }, rand));
      const rows = [...base, ...base.slice(0, 15)].map((vector, i) => ({ id: `r${i}`, vector }));
      const index = new DenseIndex();
      index.build(rows);
      const query = Array.from({ length: dim }, rand);
      const q = l2Normalise(query);
      const expected = rows
        .map((r, i) => ({ i, id: r.id, score: l2Normalise(r.vector).reduce((s, v, c) => s + v * q[c], 0) }))
        .sort((a, b) => b.score - a.score || a.i - b.i);
      for (const k of [1, 5, 17, 55, 80]) {
        const got = index.search(query, k);
        expect(got.map((h) => h.id)).toEqual(expected.slice(0, k).map((h) => h.id));
        got.forEach((h, j) => expect(h.score).toBeCloseTo(expected[j].score, 5));
      }
    }
  });

  it('refuses vectors of mixed length', () => {
    expect(() =>
      new DenseIndex().build([
        { id: 'a', vector: [1, 0] },
        { id: 'b', vector: [1] },
      ]),
    ).toThrow(RangeError);
  });
});

describe('vector helpers', () => {
  it('l2Normalise keeps the zero vector at zero', () => {
    expect(Array.from(l2Normalise([0, 0]))).toEqual([0, 0]);
    expect(Array.from(l2Normalise([3, 4]))).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
  });

  it('meanVector is the normalised centroid', () => {
    const m = meanVector([
      [1, 0],
      [0, 1],
    ]);
    expect(m[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(m[1]).toBeCloseTo(Math.SQRT1_2, 6);
  });
});

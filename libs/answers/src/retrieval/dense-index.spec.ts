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

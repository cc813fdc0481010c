/**
 * Exact in-process vector index: one row-major Float32Array matrix, scored by dot product (= cosine, since rows and
 * queries are L2-normalised). A few thousand 384-d articles take well under a millisecond, so no ANN structure.
 */
export class DenseIndex {
  private ids: string[] = [];
  private matrix = new Float32Array(0);
  private dim = 0;

  get size(): number {
    return this.ids.length;
  }

  get dimension(): number {
    return this.dim;
  }

  /** Replaces the whole index. Every vector must have the same length; each is L2-normalised on the way in. */
  build(items: readonly { id: string; vector: ArrayLike<number> }[]): void {
    const dim = items[0]?.vector.length ?? 0;
    const matrix = new Float32Array(items.length * dim);
    items.forEach((item, r) => {
      if (item.vector.length !== dim) throw new RangeError(`Vector of ${item.id} has ${item.vector.length} dims, expected ${dim}`);
      matrix.set(l2Normalise(item.vector), r * dim);
    });
    this.ids = items.map((i) => i.id);
    this.matrix = matrix;
    this.dim = dim;
  }

  /** Top `k` rows by cosine similarity, best first. A query of another dimension finds nothing. */
  search(query: ArrayLike<number>, k: number): { id: string; score: number }[] {
    if (this.ids.length === 0 || query.length !== this.dim || k <= 0) return [];
    const q = l2Normalise(query);
    const scores = new Float32Array(this.ids.length);
    for (let r = 0; r < this.ids.length; r++) {
      let s = 0;
      const off = r * this.dim;
      for (let c = 0; c < this.dim; c++) s += this.matrix[off + c] * q[c];
      scores[r] = s;
    }
    const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b);
    return order.slice(0, k).map((r) => ({ id: this.ids[r], score: scores[r] }));
  }
}

/** Unit-length copy of a vector; the zero vector stays zero. */
export function l2Normalise(v: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum);
  const out = new Float32Array(v.length);
  if (norm === 0 || !Number.isFinite(norm)) return out;
  for (let i = 0; i < v.length; i++) out[i] = v[i] / norm;
  return out;
}

/** Normalised mean of several normalised vectors: one article vector from its title, questions and body head. */
export function meanVector(vectors: readonly ArrayLike<number>[]): Float32Array {
  if (vectors.length === 0) throw new RangeError('meanVector needs at least one vector');
  const out = new Float32Array(vectors[0].length);
  for (const v of vectors) for (let i = 0; i < out.length; i++) out[i] += v[i];
  return l2Normalise(out);
}

/**
 * Dense retrieval index bench: µs per exact top-k search (DenseIndex, 384-d rows, k = the retrieval's candidate
 * count) at knowledge-base sizes from the default content (133 articles) to a large help centre, against the
 * straightforward scan it replaced (one running sum per row, then a full sort of every row's score) in the same run.
 * Writes bench/results/dense-index.json.
 *
 *   npm run bench:dense [-- --rows 133,1000,5000,20000 --k 50 --out bench/results/dense-index.json]
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DEFAULT_RETRIEVAL_OPTIONS, DenseIndex, l2Normalise } from '@app/answers';
import { machine, r2, writeResult } from './load-harness';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '133,1000,5000,20000' },
    dim: { type: 'string', default: '384' },
    k: { type: 'string', default: String(DEFAULT_RETRIEVAL_OPTIONS.candidates) },
    out: { type: 'string', default: 'bench/results/dense-index.json' },
  },
});

/** The baseline: what DenseIndex.search did before (same normalised matrix). */
function naiveSearch(matrix: Float32Array, ids: string[], dim: number, query: ArrayLike<number>, k: number) {
  const q = l2Normalise(query);
  const scores = new Float32Array(ids.length);
  for (let r = 0; r < ids.length; r++) {
    let s = 0;
    const off = r * dim;
    for (let c = 0; c < dim; c++) s += matrix[off + c] * q[c];
    scores[r] = s;
  }
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, k).map((r) => ({ id: ids[r], score: scores[r] }));
}

/** Median µs per call over 5 rounds of calls lasting ~200 ms each (after one warm-up round). */
function time(fn: () => unknown): number {
  let calls = 1;
  for (let t = performance.now(); performance.now() - t < 200; calls++) fn();
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const t = performance.now();
    for (let i = 0; i < calls; i++) fn();
    rounds.push(((performance.now() - t) * 1000) / calls);
  }
  return rounds.sort((a, b) => a - b)[2];
}

function main(): void {
  const loadBefore = loadavg();
  const dim = Number(values.dim);
  const k = Number(values.k);
  const sizes = values.rows!.split(',').map(Number);
  for (const [name, v] of [['--dim', dim], ['--k', k], ...sizes.map((n) => ['--rows', n] as const)] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} takes positive whole numbers, got ${v}`);
  }
  let seed = 1;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const results = sizes.map((n) => {
    const rows = Array.from({ length: n }, (_, i) => ({ id: `a${i}`, vector: Float32Array.from({ length: dim }, rand) }));
    const index = new DenseIndex();
    index.build(rows);
    const matrix = new Float32Array(n * dim);
    rows.forEach((r, i) => matrix.set(l2Normalise(r.vector), i * dim));
    const ids = rows.map((r) => r.id);
    const query = Float32Array.from({ length: dim }, rand);
    const same = JSON.stringify(index.search(query, k).map((h) => h.id)) === JSON.stringify(naiveSearch(matrix, ids, dim, query, k).map((h) => h.id));
    if (!same) throw new Error(`the index and the baseline disagree at ${n} rows`);
    const us = time(() => index.search(query, k));
    const baselineUs = time(() => naiveSearch(matrix, ids, dim, query, k));
    return { rows: n, search_us: r2(us), baseline_us: r2(baselineUs), speedup: r2(baselineUs / us) };
  });
  console.table(results);
  writeResult(values.out!, { bench: 'dense-index', date: new Date().toISOString(), dim, k, results, machine: machine(loadBefore) });
}

main();

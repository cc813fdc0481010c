/** Reciprocal rank fusion constant from Cormack et al. (2009); dampens the head of each list. */
export const RRF_K = 60;

/**
 * Reciprocal rank fusion: `score(d) = Σ_lists weight / (k + rank_d)`, ranks 1-based. A document missing from a list
 * contributes nothing for it. Returns ids best first; ties keep the order of first appearance.
 */
export function reciprocalRankFusion(lists: readonly (readonly string[])[], opts: { k?: number; weights?: readonly number[] } = {}): { id: string; score: number }[] {
  const k = opts.k ?? RRF_K;
  const scores = new Map<string, number>();
  lists.forEach((list, li) => {
    const w = opts.weights?.[li] ?? 1;
    list.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + w / (k + i + 1)));
  });
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}

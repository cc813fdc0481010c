import type { GateIntentRow, GateReport, GateSetReport, HeadlineMetrics } from '@app/contracts';

/** What `nlu_training evaluate-model` writes for one model and one data file (the parts the gate reads). */
export interface SetScores extends HeadlineMetrics {
  n: number;
  per_intent: Record<string, { f1: number; support: number }>;
  per_entity_type: Record<string, unknown>;
  confusion: number[][];
}

export interface ModelScores {
  version: string;
  intents: string[];
  sets: Record<string, SetScores>;
}

export interface GateInput {
  candidate: { id: string; version: string; scores: ModelScores };
  baseline: { id: string; version: string; scores: ModelScores } | null;
  setNames: GateSetReport['name'][];
  tolerance: number;
  minExamples: number;
  now?: Date;
}

const HEADLINE: (keyof HeadlineMetrics)[] = ['intent_accuracy', 'intent_macro_f1', 'slot_f1', 'exact_match'];
/** The figures that decide; macro-F1 and exact match are shown but, per the issue, do not block. */
const DECIDING: (keyof HeadlineMetrics)[] = ['intent_accuracy', 'slot_f1'];

const round = (x: number) => Math.round(x * 100) / 100;
const headline = (s: SetScores): HeadlineMetrics => Object.fromEntries(HEADLINE.map((k) => [k, round(s[k])])) as unknown as HeadlineMetrics;

/**
 * Compares a candidate with the active model set by set. A set decides only with at least `minExamples` rows;
 * slot F1 decides only where the set has entities. Without an active model the gate passes.
 */
export function buildGateReport(input: GateInput): GateReport {
  const { candidate, baseline, tolerance } = input;
  const failures: string[] = [];
  const sets: GateSetReport[] = [];
  for (const name of input.setNames) {
    const cand = candidate.scores.sets[name];
    if (!cand) continue;
    const base = baseline?.scores.sets[name] ?? null;
    const delta = base ? (Object.fromEntries(HEADLINE.map((k) => [k, round(cand[k] - base[k])])) as unknown as HeadlineMetrics) : null;
    const hasEntities = Object.keys(cand.per_entity_type ?? {}).length > 0 || Object.keys(base?.per_entity_type ?? {}).length > 0;
    if (delta && cand.n >= input.minExamples) {
      for (const k of DECIDING) {
        if (k === 'slot_f1' && !hasEntities) continue;
        if (delta[k] < -tolerance) failures.push(`${name}: ${k} ${delta[k].toFixed(2)} < -${tolerance}`);
      }
    }
    sets.push({
      name,
      n: cand.n,
      candidate: headline(cand),
      baseline: base ? headline(base) : null,
      delta,
      perIntent: perIntentRows(cand, base),
      confusion: {
        labels: candidate.scores.intents,
        candidate: cand.confusion,
        baseline: base && baseline ? remapConfusion(base.confusion, baseline.scores.intents, candidate.scores.intents) : null,
      },
    });
  }
  return {
    passed: failures.length === 0,
    tolerance,
    candidate: { id: candidate.id, version: candidate.version },
    baseline: baseline ? { id: baseline.id, version: baseline.version } : null,
    sets,
    failures,
    evaluatedAt: (input.now ?? new Date()).toISOString(),
  };
}

function perIntentRows(cand: SetScores, base: SetScores | null): GateIntentRow[] {
  const names = new Set([...Object.keys(cand.per_intent), ...Object.keys(base?.per_intent ?? {})]);
  const rows: GateIntentRow[] = [];
  for (const intent of names) {
    const c = cand.per_intent[intent];
    const b = base?.per_intent[intent];
    const support = c?.support ?? b?.support ?? 0;
    if (support === 0) continue;
    const candidateF1 = round(c?.f1 ?? 0);
    const baselineF1 = b ? round(b.f1) : null;
    rows.push({ intent, support, candidateF1, baselineF1, delta: baselineF1 === null ? null : round(candidateF1 - baselineF1) });
  }
  // Biggest losses first: what the admin needs to look at.
  return rows.sort((x, y) => (x.delta ?? 0) - (y.delta ?? 0) || x.intent.localeCompare(y.intent));
}

/** A matrix over `from` labels (+ the unseen-gold row) re-indexed to `to` labels; counts of labels `to` lacks are dropped. */
export function remapConfusion(matrix: number[][], from: string[], to: string[]): number[][] {
  if (from.length === to.length && from.every((l, i) => l === to[i])) return matrix;
  const index = new Map(to.map((l, i) => [l, i]));
  const out = Array.from({ length: to.length + 1 }, () => new Array<number>(to.length).fill(0));
  matrix.forEach((row, g) => {
    const gi = g < from.length ? (index.get(from[g]) ?? to.length) : to.length;
    row.forEach((count, p) => {
      const pi = index.get(from[p]);
      if (pi !== undefined) out[gi][pi] += count;
    });
  });
  return out;
}

/** One line for lists: "passed", or the first failure. */
export function gateSummary(gate: GateReport): string {
  if (gate.forced) return `forced: ${gate.forced.reason}`;
  if (gate.passed) return gate.baseline ? `passed against ${gate.baseline.version}` : 'passed (no active model to compare with)';
  return `failed: ${gate.failures[0]}${gate.failures.length > 1 ? ` (+${gate.failures.length - 1})` : ''}`;
}

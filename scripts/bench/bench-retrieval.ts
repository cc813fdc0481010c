/**
 * Retrieval bench: seeds a temporary PGlite database with the default knowledge base, embeds it with the real model,
 * and scores held-out Bitext utterances against it. A query counts as answered at rank r when the r-th article has
 * the query's intent. Methods: lexical (PostgreSQL full text) alone, dense (cosine over article vectors) alone,
 * fused (RRF), and fused with the NLU's predicted intent as hint (what the chat pipeline does). Prints a table and
 * writes bench/results/retrieval.json. Tune on dev (`--split dev --sweep`), report test.
 *
 *   npm run bench:retrieval [-- --model DIR --split test|dev --sweep]
 */
import { Logger } from '@nestjs/common';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { AnswersEmbedder, ContentFilesRepository, ContentService, DEFAULT_RETRIEVAL_OPTIONS, loadCompanyProfile, RetrievalOptions, RetrievalService } from '@app/answers';
import { firstRoute } from '@app/conversation';
import { AnswerTemplateRepository, KbArticleRepository, openDatabase } from '@app/database';
import { createNluService, NluService } from '@app/nlu';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: process.env.PARLEY_MODEL_DIR ?? 'models/default' },
    split: { type: 'string', default: 'test' },
    data: { type: 'string', default: 'training/data/bitext' },
    out: { type: 'string', default: 'bench/results/retrieval.json' },
    sweep: { type: 'boolean', default: false },
    ood: { type: 'string', default: '../shared/data' },
  },
});

interface Query {
  text: string;
  intent: string;
  embedding: Float32Array;
  predicted: string;
}
interface Scores {
  recall_at_1: number;
  recall_at_5: number;
  mrr: number;
}

class BenchEmbedder extends AnswersEmbedder {
  constructor(private readonly nlu: NluService) {
    super();
  }
  embed(texts: string[]): Promise<Float32Array[]> {
    return this.nlu.embed(texts);
  }
  modelVersion(): string | null {
    return this.nlu.modelInfo?.version ?? null;
  }
}

function score(ranks: (number | null)[]): Scores {
  const n = ranks.length;
  const r1 = ranks.filter((r) => r === 1).length / n;
  const r5 = ranks.filter((r) => r !== null && r <= 5).length / n;
  const mrr = ranks.reduce<number>((s, r) => s + (r ? 1 / r : 0), 0) / n;
  return { recall_at_1: round(r1), recall_at_5: round(r5), mrr: round(mrr) };
}

const round = (x: number) => Math.round(x * 10000) / 10000;

function firstHit(ids: string[], intentOf: Map<string, string | null>, gold: string): number | null {
  const i = ids.findIndex((id) => intentOf.get(id) === gold);
  return i >= 0 ? i + 1 : null;
}

async function evaluate(retrieval: RetrievalService, queries: Query[], intentOf: Map<string, string | null>) {
  const ranks: Record<string, (number | null)[]> = { lexical: [], dense: [], fused: [], fused_intent_hint: [] };
  const latencies: number[] = [];
  for (const q of queries) {
    const plain = await retrieval.rankLists({ text: q.text, embedding: q.embedding });
    const started = performance.now();
    const hinted = await retrieval.rankLists({ text: q.text, embedding: q.embedding, intentHint: q.predicted });
    latencies.push(performance.now() - started);
    ranks.lexical.push(firstHit(plain.lexical, intentOf, q.intent));
    ranks.dense.push(firstHit(plain.dense, intentOf, q.intent));
    ranks.fused.push(firstHit(plain.fused, intentOf, q.intent));
    ranks.fused_intent_hint.push(firstHit(hinted.fused, intentOf, q.intent));
  }
  latencies.sort((a, b) => a - b);
  const methods = Object.fromEntries(Object.entries(ranks).map(([k, v]) => [k, score(v)])) as Record<string, Scores>;
  return { methods, p50: latencies[Math.floor(latencies.length / 2)], p95: latencies[Math.floor(latencies.length * 0.95)] };
}

/** Out-of-domain questions (flights, music, restaurants): the knowledge base must not claim to answer them. */
function oodQuestions(dataDir: string): string[] {
  const take = (file: string, every: number) =>
    readFileSync(join(dataDir, file), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l, i) => l && i % every === 0);
  return [...take('snips/test/seq.in', 4), ...take('atis/test/seq.in', 5)];
}

/** The gate the chat pipeline applies: answer from the top article when its score reaches minScore (shares of `items`). */
async function gate(retrieval: RetrievalService, items: { text: string; embedding: Float32Array; hint: string; intent: string | null }[]) {
  const { accepted, correct } = await gateCounts(retrieval, items);
  return { accepted: round(accepted / items.length), accepted_and_right_intent: round(correct / items.length) };
}

async function gateCounts(retrieval: RetrievalService, items: { text: string; embedding: Float32Array; hint: string; intent: string | null }[]) {
  let accepted = 0;
  let correct = 0;
  for (const q of items) {
    const [top] = await retrieval.search({ text: q.text, embedding: q.embedding, intentHint: q.hint, limit: 1 });
    if (top && top.score >= retrieval.minScore) {
      accepted++;
      if (top.intent === q.intent) correct++;
    }
  }
  return { accepted, correct };
}

function table(methods: Record<string, Scores>): string {
  const rows = Object.entries(methods).map(([k, s]) => `| ${k.padEnd(18)} | ${s.recall_at_1.toFixed(4)} | ${s.recall_at_5.toFixed(4)} | ${s.mrr.toFixed(4)} |`);
  return ['| method             | R@1    | R@5    | MRR    |', '|--------------------|--------|--------|--------|', ...rows].join('\n');
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  const split = values.split;
  if (split !== 'test' && split !== 'dev') throw new Error('--split must be test or dev (train utterances are in the index)');
  const nlu = await createNluService({ modelDir: resolve(values.model) });
  const db = await openDatabase({ kind: 'pglite', dataDir: 'memory://' }, { migrate: true });
  try {
    const articles = new KbArticleRepository(db.dataSource);
    const company = loadCompanyProfile('content/company.json');
    const build = (o: Partial<RetrievalOptions>) => new RetrievalService(articles, new BenchEmbedder(nlu), company, o);
    const retrieval = build({});
    const content = new ContentService(new AnswerTemplateRepository(db.dataSource), articles, new ContentFilesRepository('content'), retrieval);
    let t = performance.now();
    const seeded = await content.seedDefaultsIfEmpty();
    const seedMs = performance.now() - t;
    const intentOf = new Map((await articles.loadEmbeddings()).map((a) => [a.id, a.intent]));
    const rows = readFileSync(join(values.data, `${split}.jsonl`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { text: string; intent: string });
    t = performance.now();
    const queries: Query[] = [];
    for (const r of rows) {
      const parsed = await nlu.parse(r.text);
      queries.push({ text: r.text, intent: r.intent, embedding: parsed.embedding, predicted: parsed.intent.name });
    }
    const parseMs = performance.now() - t;
    const nluAccuracy = queries.filter((q) => q.predicted === q.intent).length / queries.length;

    const { methods, p50, p95 } = await evaluate(retrieval, queries, intentOf);
    const inDomain = await gate(retrieval, queries.map((q) => ({ text: q.text, embedding: q.embedding, hint: q.predicted, intent: q.intent })));
    const oodTexts = oodQuestions(values.ood);
    const oodItems = [];
    // The ones the chat policy would search at all (manifest thresholds): the rest go to a template or, mostly
    // (`out_of_scope`), straight to the fallback. The gate above measures retrieval alone, as if every one did.
    const oodSearched = [];
    for (const text of oodTexts) {
      const p = await nlu.parse(text);
      const item = { text, embedding: p.embedding, hint: p.intent.name, intent: null };
      oodItems.push(item);
      if (firstRoute(p.intent.confidence, p.thresholds, false, p.intent.name) === 'retrieval') oodSearched.push(item);
    }
    const ood = await gate(retrieval, oodItems);
    const oodAnsweredLive = (await gateCounts(retrieval, oodSearched)).accepted;

    if (values.sweep) {
      const inItems = queries.map((q) => ({ text: q.text, embedding: q.embedding, hint: q.predicted, intent: q.intent }));
      for (const denseFloor of [0.75, 0.8, 0.85, 0.9]) {
        for (const minScore of [0.6]) {
          const r = build({ denseFloor, minScore });
          await r.reindex();
          const { methods: m } = await evaluate(r, queries, intentOf);
          console.log(JSON.stringify({ denseFloor, minScore, fused: m.fused, in: await gate(r, inItems), ood: (await gate(r, oodItems)).accepted }));
        }
      }
      for (const intentBoost of [0, 0.1, 0.25, 0.5, 1]) {
        const r = build({ intentBoost });
        await r.reindex();
        const { methods: m } = await evaluate(r, queries, intentOf);
        console.log(JSON.stringify({ intentBoost, fused_intent_hint: m.fused_intent_hint }));
      }
    }
    const info = nlu.modelInfo;
    const result = {
      bench: 'retrieval',
      split,
      queries: queries.length,
      articles: intentOf.size,
      articles_with_intent: [...intentOf.values()].filter((i) => i !== null).length,
      model: { name: info?.name, version: info?.version, variant: info?.variant },
      nlu_intent_accuracy: round(nluAccuracy),
      recall_at_1: methods.fused.recall_at_1,
      recall_at_5: methods.fused.recall_at_5,
      mrr: methods.fused.mrr,
      methods,
      gate: {
        min_score: retrieval.minScore,
        in_domain: inDomain,
        out_of_domain: { queries: oodItems.length, source: 'SNIPS + ATIS test utterances', accepted: ood.accepted, searched_by_policy: oodSearched.length, answered_by_policy: oodAnsweredLive },
      },
      options: { ...DEFAULT_RETRIEVAL_OPTIONS },
      timings_ms: { seed_and_embed: Math.round(seedMs), parse_all_queries: Math.round(parseMs), search_p50: round(p50), search_p95: round(p95) },
      seeded,
      created_at: new Date().toISOString(),
    };
    console.log(`\nRetrieval on Bitext ${split} (${queries.length} queries, ${intentOf.size} articles, model ${info?.version})\n`);
    console.log(table(methods));
    console.log(`\ngate (score >= ${retrieval.minScore}): ${split} answered ${inDomain.accepted} (right intent ${inDomain.accepted_and_right_intent}); out-of-domain answered ${ood.accepted} of ${oodItems.length}`);
    console.log(`chat policy: ${oodSearched.length} of the ${oodItems.length} out-of-domain questions reach the search (the rest: fallback or template), ${oodAnsweredLive} get an article`);
    console.log(`search (lexical SQL + dense + fusion) p50 ${p50.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms; seed+embed ${(seedMs / 1000).toFixed(1)} s`);
    mkdirSync(resolve(values.out, '..'), { recursive: true });
    writeFileSync(values.out, JSON.stringify(result, null, 2) + '\n');
    console.log(`wrote ${values.out}`);
  } finally {
    await db.close();
    await nlu.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

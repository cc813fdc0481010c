import { Logger } from '@nestjs/common';
import { createNluService, NluService } from '@app/nlu';
import type { NluResult } from '@app/contracts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireModel } from './nlu-model.helper';

interface ParityRow {
  text: string;
  input_ids: number[];
  intent_logits: number[];
  intent: string;
  intent_probs: number[];
  entities: { label: string; start: number; end: number; text: string }[];
  embedding_head: number[];
}

/**
 * The TypeScript runtime must reproduce what Python computed with the fp32 graph (docs/model-format.md):
 * identical ids, intent and entity spans; probabilities within 1e-4.
 */
describe('NLU parity with the Python export (models/default/parity.jsonl)', () => {
  const dir = requireModel();
  const rows: ParityRow[] = readFileSync(join(dir, 'parity.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
  let fp32: NluService;
  let int8: NluService;
  let intents: string[];
  const fp32Results = new Map<string, NluResult>();

  beforeAll(async () => {
    Logger.overrideLogger(false);
    fp32 = await createNluService({ modelDir: dir, variant: 'fp32', threads: 1 });
    int8 = await createNluService({ modelDir: dir, variant: 'int8', threads: 1 });
    intents = fp32.modelInfo!.labels.intents;
    for (const r of rows) fp32Results.set(r.text, await fp32.parse(r.text, { topK: intents.length }));
  });

  afterAll(async () => {
    await fp32?.close();
    await int8?.close();
  });

  it('has rows to compare', () => {
    expect(rows.length).toBeGreaterThanOrEqual(20);
  });

  it('builds the same input ids', () => {
    for (const r of rows) expect({ text: r.text, ids: fp32.tokenize(r.text).ids }).toEqual({ text: r.text, ids: r.input_ids });
  });

  it('gives the same intent, raw logits and calibrated probabilities within 1e-4 (fp32)', () => {
    for (const r of rows) {
      const res = fp32Results.get(r.text)!;
      expect({ text: r.text, intent: res.intent.name }).toEqual({ text: r.text, intent: r.intent });
      for (const score of res.ranking) {
        const i = intents.indexOf(score.name);
        expect(Math.abs(score.logit - r.intent_logits[i])).toBeLessThan(1e-4);
        expect(Math.abs(score.confidence - r.intent_probs[i])).toBeLessThan(1e-4);
      }
    }
  });

  it('gives the same entity spans (label and text) and offsets that slice the original text', () => {
    for (const r of rows) {
      const res = fp32Results.get(r.text)!;
      expect({ text: r.text, entities: res.entities.map((e) => [e.label, e.text]) }).toEqual({
        text: r.text,
        entities: r.entities.map((e) => [e.label, e.text]),
      });
      for (const e of res.entities) expect(r.text.slice(e.start, e.end)).toBe(e.text);
    }
  });

  it('gives the same sentence embedding (first 8 values within 1e-4, unit length)', () => {
    for (const r of rows) {
      const emb = fp32Results.get(r.text)!.embedding;
      r.embedding_head.forEach((v, i) => expect(Math.abs(emb[i] - v)).toBeLessThan(1e-4));
      const norm = Math.sqrt(emb.reduce((a, b) => a + b * b, 0));
      expect(Math.abs(norm - 1)).toBeLessThan(1e-3);
    }
  });

  it('keeps the int8 graph close: same ids, and the fp32 intent on at least 95% of rows', async () => {
    let same = 0;
    for (const r of rows) {
      expect(int8.tokenize(r.text).ids).toEqual(r.input_ids);
      if ((await int8.parse(r.text)).intent.name === r.intent) same++;
    }
    expect(same / rows.length).toBeGreaterThanOrEqual(0.95);
  });
});

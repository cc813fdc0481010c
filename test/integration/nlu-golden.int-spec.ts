import { Logger } from '@nestjs/common';
import { createNluService, NluService } from '@app/nlu';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireModel } from './nlu-model.helper';

interface Golden {
  text: string;
  intent?: string;
  entities?: { label: string; text: string }[];
}

const FIXTURES = join(__dirname, '../fixtures/nlu');
const read = (file: string): Golden[] =>
  readFileSync(join(FIXTURES, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));

/**
 * Hand-written utterances (not from the Bitext files): ok/ must be understood, not-ok/ must not be
 * answered from a template. Rates rather than every row, so one borderline retrain does not break CI,
 * while a broken runtime (wrong ids, wrong label order, wrong offsets) fails at once.
 */
describe('golden utterances on the default model', () => {
  const dir = requireModel();
  let nlu: NluService;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    nlu = await createNluService({ modelDir: dir, threads: 1 });
  });

  afterAll(() => nlu?.close());

  it('understands the ok/ utterances (intent ≥ 85%, entities ≥ 80%)', async () => {
    const rows = read('ok/support.jsonl');
    const misses: string[] = [];
    let intents = 0;
    let wanted = 0;
    let found = 0;
    for (const row of rows) {
      const res = await nlu.parse(row.text);
      if (res.intent.name === row.intent) intents++;
      else misses.push(`${row.text} → ${res.intent.name} (${res.intent.confidence.toFixed(2)}), want ${row.intent}`);
      for (const e of row.entities ?? []) {
        wanted++;
        if (res.entities.some((g) => g.label === e.label && g.text === e.text)) found++;
        else misses.push(`${row.text}: missing ${e.label} "${e.text}"`);
      }
    }
    expect({ intentRate: intents / rows.length >= 0.85, entityRate: found / Math.max(1, wanted) >= 0.8, misses }).toEqual({
      intentRate: true,
      entityRate: true,
      misses: expect.any(Array),
    });
  });

  // The Bitext model has no out-of-scope class and is confident on some off-topic text: model
  // 3887b3dd (answer threshold 0.50) stays below it on 5 of 10. Guard against it getting worse.
  it('does not answer at least 40% of the not-ok/ (out-of-scope) utterances from a template', async () => {
    const rows = read('not-ok/out-of-scope.jsonl');
    let below = 0;
    for (const row of rows) {
      const res = await nlu.parse(row.text);
      if (res.intent.confidence < res.thresholds.answer) below++;
    }
    expect(below / rows.length).toBeGreaterThanOrEqual(0.4);
  });
});

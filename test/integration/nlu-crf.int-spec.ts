import { Logger } from '@nestjs/common';
import { createNluService, NluService } from '@app/nlu';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireModel } from './nlu-model.helper';

/**
 * A model folder whose labels.json carries learned CRF scores (schema 2) is decoded with them: the default
 * model, copied, with scores written in that make one decision unmistakable (every message must open with an
 * order number, which the model's own logits never say for a greeting). A runtime ignoring the scores would
 * find no entity in it.
 */
describe('NLU with learned CRF scores (labels.json "crf", schema version 2)', () => {
  const base = requireModel();
  let dir: string;
  let plain: NluService;
  let crf: NluService;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    dir = mkdtempSync(join(tmpdir(), 'parley-crf-'));
    cpSync(base, dir, { recursive: true });
    const labels = JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8'));
    const n = labels.tags.length;
    const bOrder = labels.tags.indexOf('B-order_id');
    expect(bOrder).toBeGreaterThan(0);
    const start = labels.tags.map((_: string, t: number) => (t === bOrder ? 50 : 0));
    labels.crf = { start, end: new Array(n).fill(0), transitions: Array.from({ length: n }, () => new Array(n).fill(0)) };
    const body = JSON.stringify(labels);
    writeFileSync(join(dir, 'labels.json'), body);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    manifest.schema_version = 2;
    manifest.files['labels.json'] = createHash('sha256').update(body).digest('hex');
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    [plain, crf] = await Promise.all([createNluService({ modelDir: base, threads: 1 }), createNluService({ modelDir: dir, threads: 1 })]);
  });
  afterAll(async () => {
    await Promise.all([plain?.close(), crf?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds the learned start score to the path, and reports a marginal probability as the entity score', async () => {
    const text = 'hello, I need help with my account';
    expect((await plain.parse(text)).entities).toEqual([]);
    const got = await crf.parse(text);
    expect(got.entities[0]).toMatchObject({ label: 'order_id', start: 0, text: 'hello' });
    expect(got.entities[0].score).toBeGreaterThan(0.99); // a 50-point start bonus: the marginal is ~1
    expect(got.intent.name).toBe((await plain.parse(text)).intent.name); // intents do not use the CRF
  });

  it('still finds the order number later in the message under those scores', async () => {
    const text = 'where is order 12345678';
    const a = await plain.parse(text);
    const b = await crf.parse(text);
    expect(a.entities.map((e) => e.text)).toContain('12345678');
    expect(b.entities.map((e) => e.text)).toContain('12345678');
  });
});

import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createNluService, InvalidInputError, ModelLoadError, NluModule, NluService } from '@app/nlu';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireModel } from './nlu-model.helper';

/** A copy of the model folder (big files linked) whose manifest says `version`; `tamper` flips a byte of the int8 graph. */
function copyModel(src: string, version: string, tamper = false): string {
  const dir = mkdtempSync(join(tmpdir(), `nlu-${version}-`));
  for (const f of readdirSync(src)) {
    if (f === 'manifest.json') continue;
    if (tamper && f === 'model.int8.onnx') {
      copyFileSync(join(src, f), join(dir, f));
      const bytes = readFileSync(join(dir, f));
      bytes[Math.floor(bytes.length / 2)] ^= 0x01;
      writeFileSync(join(dir, f), bytes);
    } else {
      symlinkSync(join(src, f), join(dir, f));
    }
  }
  const manifest = JSON.parse(readFileSync(join(src, 'manifest.json'), 'utf8'));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, version }));
  return dir;
}

describe('NLU runtime on the real exported model (worker threads)', () => {
  const src = requireModel();
  const tmp: string[] = [];
  let nlu: NluService;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    nlu = await createNluService({ modelDir: src, threads: 1, workers: 1 });
  });

  afterAll(async () => {
    await nlu?.close();
    for (const d of tmp) rmSync(d, { recursive: true, force: true });
  });

  it('parses a support message into intent, entities with values and an embedding', async () => {
    const res = await nlu.parse('I want to cancel order 732201349959', { topK: 3 });
    expect(res.ranking).toHaveLength(3);
    expect(res.intent).toEqual(res.ranking[0]);
    expect(res.ranking[0].confidence).toBeGreaterThanOrEqual(res.ranking[1].confidence);
    expect(res.embedding).toHaveLength(384);
    const order = res.entities.find((e) => e.label === 'order_id');
    expect(order).toMatchObject({ text: '732201349959', value: { kind: 'identifier', value: '732201349959' } });
    expect(res.model).toMatchObject({ name: nlu.modelInfo!.name, variant: 'int8' });
  });

  it('answers 64 concurrent callers, each with its own result, in shared batches', async () => {
    const texts = Array.from({ length: 64 }, (_, i) => `where is my order ${100000 + i}`);
    const results = await Promise.all(texts.map((t) => nlu.parse(t)));
    results.forEach((r, i) => expect(r.text).toBe(texts[i]));
    const ids = results.map((r) => r.entities.find((e) => e.label === 'order_id')?.text);
    expect(ids.filter(Boolean).length).toBeGreaterThan(48);
    expect(nlu.stats!.meanBatchSize).toBeGreaterThan(1);
  });

  it('handles hard text without crashing: CJK, emoji, accents, control characters, very long input', async () => {
    for (const text of ['我想取消订单 12345', 'refund 😀😀 please 👩‍👩‍👧', 'annulér ma commande née à Zürich', 'a\u0000b\u0007c', 'x'.repeat(100_000)]) {
      const res = await nlu.parse(text);
      for (const e of res.entities) expect(text.slice(e.start, e.end)).toBe(e.text);
    }
    const long = await nlu.parse('please help me with my order '.repeat(200));
    expect(long.truncated).toBe(true);
    await expect(nlu.parse(' \t\n')).rejects.toMatchObject({ code: 'NLU_INPUT_EMPTY' });
    await expect(nlu.parse(12345 as unknown as string)).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('embeds texts so that paraphrases are closer than unrelated messages', async () => {
    const [a, b, c] = await nlu.embed(['I want to cancel my order', 'please cancel my purchase', 'what is the weather like on mars']);
    const dot = (x: Float32Array, y: Float32Array): number => x.reduce((s, v, i) => s + v * y[i], 0);
    expect(dot(a, b)).toBeGreaterThan(dot(a, c));
  });

  it('refuses a tampered copy and keeps serving the current model', async () => {
    const before = nlu.modelInfo!.version;
    const bad = copyModel(src, 'tampered', true);
    tmp.push(bad);
    await expect(nlu.swap(bad)).rejects.toMatchObject({ code: 'MODEL_MANIFEST_MISMATCH' });
    await expect(nlu.swap(bad)).rejects.toBeInstanceOf(ModelLoadError);
    expect(nlu.modelInfo!.version).toBe(before);
    expect((await nlu.parse('track my package')).model.version).toBe(before);
  });

  it('hot-swaps under load: every call succeeds, in-flight ones on the old version, later ones on the new', async () => {
    const v2 = copyModel(src, 'swapped-v2');
    tmp.push(v2);
    const before = nlu.modelInfo!.version;
    const load = Array.from({ length: 200 }, (_, i) => nlu.parse(`cancel order ${i}`));
    const swapped = nlu.swap(v2);
    const during = Array.from({ length: 50 }, () => nlu.parse('refund my invoice #37777'));
    const results = await Promise.all([...load, ...during]);
    await swapped;
    expect(nlu.modelInfo!.version).toBe('swapped-v2');
    const versions = new Set(results.map((r) => r.model.version));
    expect([...versions].every((v) => v === before || v === 'swapped-v2')).toBe(true);
    expect((await nlu.parse('hello')).model.version).toBe('swapped-v2');
  });
});

describe('NluModule', () => {
  it('loads the model on start and releases it on close', async () => {
    const dir = requireModel();
    Logger.overrideLogger(false);
    const moduleRef = await Test.createTestingModule({ imports: [NluModule.forRoot({ modelDir: dir, threads: 1 })] }).compile();
    await moduleRef.init();
    const nlu = moduleRef.get(NluService);
    expect(nlu.ready).toBe(true);
    expect((await nlu.parse('where is my order')).intent.name).toEqual(expect.any(String));
    await moduleRef.close();
    expect(nlu.ready).toBe(false);
  });
});

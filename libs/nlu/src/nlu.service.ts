import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import type { NluResult, ParseOptions } from '@app/contracts';
import { performance } from 'node:perf_hooks';
import { decodeEntities, rankIntents, tagWords } from './decoding';
import { BackendHealth } from './inference.types';
import { EncodedText } from './word-piece-encoder';
import { LoadedModel, ModelInfo, NluLoadOptions, NluModelRepository } from './nlu-model.repository';
import { InvalidInputError, ModelNotReadyError } from './nlu.errors';
import { isValidTimeZone } from './normalisers/datetime.normaliser';
import { normaliseEntity } from './normalisers/entity.normaliser';

export const NLU_OPTIONS = Symbol('NLU_OPTIONS');

export interface NluModuleOptions extends NluLoadOptions {
  /** Model folder to load when the module starts; without it, call `load()` yourself. */
  modelDir?: string;
}

/**
 * Parses messages with the active model. Loading, swapping and parsing are safe to interleave:
 * a call captures the model it started with, a swap switches atomically and releases the old
 * model only after its in-flight calls finish, and a failing load leaves the active model alone.
 */
@Injectable()
export class NluService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('NluService');
  private current: LoadedModel | null = null;
  private swapping: Promise<unknown> = Promise.resolve();
  /** Worker crashes, timeouts and replacements of the models swapped out, so the totals survive a swap. */
  private readonly retired = { crashes: 0, timeouts: 0, respawns: 0 };
  private readonly activeListeners: Array<(info: ModelInfo) => void> = [];

  constructor(
    private readonly models: NluModelRepository,
    @Optional() @Inject(NLU_OPTIONS) private readonly options: NluModuleOptions = {},
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.options.modelDir) await this.load(this.options.modelDir);
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  /** True once a model is loaded and until `close()`. */
  get ready(): boolean {
    return this.current !== null;
  }

  /** The active model's name, version, variant, thresholds and labels; null before the first load. */
  get modelInfo(): ModelInfo | null {
    return this.current?.info ?? null;
  }

  /**
   * Batching figures of the active model (recent batches) and its inference workers: how many are alive now,
   * and how many crashed, timed out and were replaced since this service started (all models it has served;
   * null with the main-thread backend). For metrics and the bench.
   */
  get stats(): { batches: number; meanBatchSize: number; workers: BackendHealth | null } | null {
    if (!this.current) return null;
    const { batcher } = this.current;
    const recent = batcher.batchSizes.slice(-500);
    const health = this.current.health();
    const r = this.retired;
    return {
      batches: batcher.batchCount,
      meanBatchSize: recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : 0,
      workers: health && { alive: health.alive, crashes: health.crashes + r.crashes, timeouts: health.timeouts + r.timeouts, respawns: health.respawns + r.respawns },
    };
  }

  /** Loads a model folder (verifying its manifest); same as `swap` when one is already active. */
  load(dir: string, opts: NluLoadOptions = {}): Promise<ModelInfo> {
    return this.swap(dir, opts);
  }

  /**
   * Loads `dir` beside the active model, switches to it atomically, then releases the old one once
   * its in-flight calls are done. Throws ModelLoadError and keeps the active model when `dir` is refused.
   */
  swap(dir: string, opts: NluLoadOptions = {}): Promise<ModelInfo> {
    const run = this.swapping.then(() => this.doSwap(dir, { ...this.options, ...opts }));
    this.swapping = run.catch(() => undefined);
    return run;
  }

  /** Intent ranking, entities with typed values and the sentence embedding of one message. */
  async parse(text: unknown, opts: ParseOptions = {}): Promise<NluResult> {
    const started = performance.now();
    const ctx = checkParseOptions(opts);
    const model = this.active();
    const enc = this.encode(model, text);
    const row = await model.batcher.submit(enc.ids);
    const { info } = model;
    const ranking = rankIntents(row.intentLogits, info.labels.intents, info.temperature, ctx.topK);
    const tags = tagWords({ logits: row.tagLogits, offset: 0, nTags: row.nTags }, enc.firstPiece, info.labels.tags, model.crf);
    const entities = decodeEntities(text as string, enc.words, tags).map((e) => {
      const value = normaliseEntity(e.label, e.text, ctx);
      return value ? { ...e, value } : e;
    });
    return {
      text: text as string,
      intent: ranking[0],
      ranking,
      entities,
      embedding: Float32Array.from(row.embedding),
      truncated: enc.truncated,
      model: { name: info.name, version: info.version, variant: info.variant },
      thresholds: { ...info.thresholds },
      latencyMs: performance.now() - started,
    };
  }

  /** L2-normalised sentence embeddings (for retrieval), one per text, batched like `parse`. */
  async embed(texts: unknown): Promise<Float32Array[]> {
    if (!Array.isArray(texts)) throw new InvalidInputError('embed() takes an array of strings');
    const model = this.active();
    const encoded = texts.map((t) => this.encode(model, t));
    const rows = await Promise.all(encoded.map((enc) => model.batcher.submit(enc.ids)));
    return rows.map((row) => Float32Array.from(row.embedding));
  }

  /** The token ids the active model sees for `text` ([CLS] … [SEP], truncated to max_seq_len). */
  tokenize(text: unknown): { ids: number[]; truncated: boolean } {
    const enc = this.encode(this.active(), text);
    return { ids: enc.ids, truncated: enc.truncated };
  }

  /**
   * Calls `listener` with each model that becomes active here (load, swap, promotion, rollback), right after it
   * does. A listener that throws is logged and does not undo the switch.
   */
  onActive(listener: (info: ModelInfo) => void): void {
    this.activeListeners.push(listener);
  }

  /** Releases the active model; later calls get ModelNotReadyError. */
  async close(): Promise<void> {
    await this.swapping;
    const old = this.current;
    this.current = null;
    if (old) await old.close();
  }

  private async doSwap(dir: string, opts: NluLoadOptions): Promise<ModelInfo> {
    const started = performance.now();
    let next: LoadedModel;
    try {
      next = await this.models.load(dir, opts);
    } catch (err) {
      this.logger.warn({ event: 'nlu.model.refused', dir, code: (err as { code?: string }).code, keeping: this.current?.info.version ?? null });
      throw err;
    }
    const old = this.current;
    this.current = next;
    const { name, version, variant, runtime } = next.info;
    this.logger.log({ event: 'nlu.model.active', name, version, variant, ...runtime, loadMs: Math.round(performance.now() - started), replaced: old?.info.version ?? null });
    for (const listener of this.activeListeners) {
      try {
        listener(next.info);
      } catch (error) {
        this.logger.error({ event: 'nlu.model.listener_failed', version, message: (error as Error).message });
      }
    }
    // In-flight calls hold `old`; close() waits for its batcher to drain before releasing sessions.
    if (old) {
      await old.close();
      const h = old.health();
      if (h) for (const k of ['crashes', 'timeouts', 'respawns'] as const) this.retired[k] += h[k];
    }
    return next.info;
  }

  private active(): LoadedModel {
    if (!this.current) throw new ModelNotReadyError();
    return this.current;
  }

  private encode(model: LoadedModel, text: unknown): EncodedText {
    if (typeof text !== 'string') throw new InvalidInputError(`NLU input must be a string, got ${text === null ? 'null' : typeof text}`);
    const enc = model.encoder.encode(text);
    // Empty, whitespace-only or control-character-only input has nothing for the model to read.
    if (enc.pieceCount === 0) throw new InvalidInputError('NLU input is empty after normalisation', 'NLU_INPUT_EMPTY');
    return enc;
  }
}

function checkParseOptions(opts: ParseOptions): { topK: number; referenceTime: Date; timeZone: string } {
  const topK = opts.topK ?? 5;
  if (!Number.isInteger(topK) || topK < 1) throw new InvalidInputError('topK must be a positive integer', 'NLU_INPUT_INVALID_OPTION');
  const referenceTime = opts.referenceTime ?? new Date();
  if (!(referenceTime instanceof Date) || Number.isNaN(referenceTime.getTime())) {
    throw new InvalidInputError('referenceTime must be a valid Date', 'NLU_INPUT_INVALID_OPTION');
  }
  const timeZone = opts.timeZone ?? 'UTC';
  if (!isValidTimeZone(timeZone)) throw new InvalidInputError(`unknown time zone ${timeZone}`, 'NLU_INPUT_INVALID_OPTION');
  return { topK, referenceTime, timeZone };
}

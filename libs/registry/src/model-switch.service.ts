import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { RetrievalService } from '@app/answers';
import { MODEL_CHANNEL } from '@app/contracts';
import { ModelVersionRepository } from '@app/database';
import { NluService } from '@app/nlu';
import { PgChannelRepository } from './pg-channel.repository';

/** How often a server re-reads the active version in case a notification was lost (e.g. a crash between commit and NOTIFY). */
export const MODEL_RESYNC_MS = Symbol('MODEL_RESYNC_MS');

/**
 * Keeps this server on the registry's active model without a restart: on every `parley_model` notification (and
 * after a lost LISTEN connection, and every resync period) it loads the active version if it is not the one
 * running. A version that fails to load is logged and the current model stays.
 */
@Injectable()
export class ModelSwitchService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ModelSwitch');
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void)[] = [];
  /** Version that last failed to load here, so the periodic resync does not retry it every time. */
  private failedVersion: string | null = null;

  constructor(
    private readonly models: ModelVersionRepository,
    private readonly nlu: NluService,
    private readonly moduleRef: ModuleRef,
    @Inject(MODEL_RESYNC_MS) private readonly resyncMs: number,
    private readonly channel: PgChannelRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe.push(await this.channel.subscribe(MODEL_CHANNEL, () => void this.sync('notify')));
    this.unsubscribe.push(this.channel.onReconnect(() => void this.sync('reconnect')));
    if (this.resyncMs > 0) {
      this.timer = setInterval(() => void this.sync('resync'), this.resyncMs);
      this.timer.unref();
    }
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe.forEach((u) => u());
  }

  /** Loads the active version if this server runs another one. Serialised; never throws. */
  sync(trigger: string): Promise<void> {
    const run = this.chain.then(() => this.doSync(trigger));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async doSync(trigger: string): Promise<void> {
    let active;
    try {
      active = await this.models.findActive();
    } catch (error) {
      this.logger.warn({ event: 'model.sync_failed', trigger, message: (error as Error).message });
      return;
    }
    const running = this.nlu.modelInfo?.version ?? null;
    if (!active) return;
    if (active.version === running) {
      // The promoting server loaded it before the notification; its article vectors may still be the old model's.
      if (trigger === 'notify') await this.reindexRetrieval(running);
      return;
    }
    if (trigger === 'resync' && this.failedVersion === active.version) return;
    try {
      const info = await this.nlu.swap(active.dir);
      this.failedVersion = null;
      this.logger.log({ event: 'model.switched', trigger, from: running, to: info.version, id: active.id });
      await this.reindexRetrieval(info.version);
    } catch (error) {
      const e = error as { code?: string; message?: string };
      this.failedVersion = active.version;
      this.logger.error({ event: 'model.switch_failed', trigger, version: active.version, dir: active.dir, code: e.code ?? 'UNKNOWN', message: e.message, keeping: running });
    }
  }

  /** Article vectors belong to one model; re-embed them now rather than on the first query after the switch. */
  private async reindexRetrieval(version: string): Promise<void> {
    let retrieval: RetrievalService;
    try {
      retrieval = this.moduleRef.get(RetrievalService, { strict: false });
    } catch {
      return; // an app without the answers lib (a bare NLU server) has nothing to re-embed
    }
    if (retrieval.indexedModelVersion === version) return;
    await retrieval.reindex().catch((e: Error) => this.logger.error({ event: 'retrieval.reindex.failed', message: e.message }));
  }
}

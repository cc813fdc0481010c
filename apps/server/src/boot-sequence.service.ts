import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ContentService } from '@app/answers';
import { APP_CONFIG, AppConfig } from '@app/config';
import { NluService } from '@app/nlu';
import { ModelRegistryService } from '@app/registry';

/**
 * What must happen once the modules are up, in this order: load the model (the content seed embeds the
 * KB articles with it), then seed the default content into empty tables and build the retrieval index.
 * A missing or refused model does not stop the server: `/ready` says "not_loaded" and every turn gets the
 * fallback (offer a human) until a model is loaded.
 */
@Injectable()
export class BootSequence implements OnApplicationBootstrap {
  private readonly logger = new Logger('Boot');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly nlu: NluService,
    private readonly content: ContentService,
    private readonly registry: ModelRegistryService,
  ) {
    // Every model this server activates, at boot and on any later switch.
    nlu.onActive((info) => this.checkHandoffIntents(info.version, info.labels.intents));
  }

  /**
   * CHAT_HANDOFF_INTENTS names intents that hand the conversation to a person; one the model does not have can never
   * fire (a typo, or a model trained without it), which no start-up check of the configuration alone can see.
   */
  private checkHandoffIntents(version: string, intents: readonly string[]): void {
    const unknown = this.config.chat.handoffIntents.filter((name) => !intents.includes(name));
    if (unknown.length > 0) this.logger.warn({ event: 'chat.handoff_intents_unknown', version, unknown, known: intents.length });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.loadModel();
    try {
      const seeded = await this.content.seedDefaultsIfEmpty();
      // Templates seeded just now are this version's: nothing to refresh.
      const refreshed = seeded.templates > 0 ? [] : await this.content.refreshShippedTemplates();
      this.logger.log({ event: 'content.ready', ...seeded, refreshed: refreshed.length });
    } catch (error) {
      const e = error as { code?: string; message?: string };
      this.logger.error({ event: 'content.seed_failed', code: e.code ?? 'UNKNOWN', message: e.message });
    }
  }

  private async loadModel(): Promise<void> {
    const configured = this.config.nlu.modelDir;
    let active = configured;
    try {
      // The registry's active version wins over PARLEY_MODEL_DIR, so a promoted model survives restarts.
      active = (await this.registry.bootDir(configured)).dir;
    } catch (error) {
      this.logger.error({ event: 'model.registry_unavailable', message: (error as Error).message });
    }
    if (await this.tryLoad(active)) return;
    // The active version's folder is gone or broken: serve the configured model rather than none.
    if (active !== configured) await this.tryLoad(configured);
  }

  private async tryLoad(modelDir: string): Promise<boolean> {
    const { variant, threads, workers, spin, callTimeoutMs, maxBatch } = this.config.nlu;
    try {
      const info = await this.nlu.load(modelDir, { variant, threads, workers, spin, callTimeoutMs, maxBatch });
      this.logger.log({ event: 'model.loaded', modelDir, name: info.name, version: info.version, variant: info.variant, thresholds: info.thresholds });
      return true;
    } catch (error) {
      const e = error as { code?: string; message?: string };
      this.logger.error({ event: 'model.load_failed', modelDir, code: e.code ?? 'UNKNOWN', message: e.message });
      return false;
    }
  }
}

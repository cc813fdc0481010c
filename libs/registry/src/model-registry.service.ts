import { Inject, Injectable, Logger } from '@nestjs/common';
import type { HeadlineMetrics, ModelStatus, ModelVersionDetail, ModelVersionView } from '@app/contracts';
import { ModelVersionEntity, ModelVersionRepository, TransactionService } from '@app/database';
import { ModelInvalidError, ModelNotFoundError } from './registry.errors';
import { gateSummary } from './gate-report';
import { TrainingFilesRepository } from './training-files.repository';

/** Registers model folders and reads the registry. Promotion lives in PromotionService (it needs the NLU). */
@Injectable()
export class ModelRegistryService {
  private readonly logger = new Logger('ModelRegistry');

  constructor(
    private readonly models: ModelVersionRepository,
    @Inject(TrainingFilesRepository) private readonly files: TrainingFilesRepository,
    private readonly tx: TransactionService,
  ) {}

  /** Adds a folder to the registry from its manifest (the same version twice returns the existing row). */
  async register(dir: string, opts: { status: ModelStatus; jobId?: string | null }): Promise<ModelVersionEntity> {
    const folder = await this.files.readModelFolder(dir);
    if (!folder) throw new ModelInvalidError(`${dir} is not a model folder (no manifest.json)`);
    const version = folder.manifest.version;
    if (typeof version !== 'string' || !version) throw new ModelInvalidError(`${dir}/manifest.json has no version`);
    const { model, created } = await this.models.insert({
      version,
      name: typeof folder.manifest.name === 'string' ? folder.manifest.name : 'default',
      dir: this.files.storedPath(dir),
      manifest: folder.manifest,
      metrics: folder.metrics,
      status: opts.status,
      jobId: opts.jobId ?? null,
    });
    this.logger.log({ event: 'registry.registered', id: model.id, version, status: model.status, created });
    return model;
  }

  /**
   * Which folder a booting server loads: the registry's active version; on an empty registry `defaultDir` is
   * registered as the first active version (so a promoted model survives restarts and the default is on record).
   */
  async bootDir(defaultDir: string): Promise<{ dir: string; model: ModelVersionEntity | null }> {
    const active = await this.models.findActive();
    if (active) return { dir: active.dir, model: await this.followRetrainedFolder(active) };
    if ((await this.models.count()) > 0) return { dir: defaultDir, model: null };
    try {
      const model = await this.register(defaultDir, { status: 'active' });
      return { dir: model.dir, model };
    } catch (error) {
      // No default model yet (first run before training): nothing to register; the server boots without a model.
      this.logger.warn({ event: 'registry.boot_register_failed', dir: defaultDir, message: (error as Error).message });
      return { dir: defaultDir, model: null };
    }
  }

  /**
   * The active version's folder retrained in place (scripts/ensure-model.sh rewrites models/default when the data
   * or config changed, e.g. after an upgrade) holds another version than its row: the server would run the new
   * model while the registry, the admin area and the gate still showed the old one. The folder's version is
   * registered and activated instead; the old row is retired (a rollback to it is refused: its folder is gone).
   */
  private async followRetrainedFolder(active: ModelVersionEntity): Promise<ModelVersionEntity> {
    const onDisk = (await this.files.readModelFolder(active.dir))?.manifest.version;
    if (typeof onDisk !== 'string' || !onDisk || onDisk === active.version) return active;
    const found = await this.register(active.dir, { status: 'candidate' });
    const now = await this.tx.run((m) => this.models.activate(found.id, null, null, m));
    this.logger.warn({ event: 'registry.folder_retrained', dir: active.dir, registered: active.version, found: now.version });
    return now;
  }

  async list(): Promise<{ items: ModelVersionView[]; activeId: string | null }> {
    const rows = await this.models.list();
    return { items: rows.map(toModelView), activeId: rows.find((r) => r.status === 'active')?.id ?? null };
  }

  async get(id: string): Promise<ModelVersionEntity> {
    const row = isUuid(id) ? await this.models.findById(id) : null;
    if (!row) throw new ModelNotFoundError(id);
    return row;
  }

  async detail(id: string): Promise<ModelVersionDetail> {
    const row = await this.get(id);
    return { ...toModelView(row), manifest: row.manifest, fullMetrics: row.metrics, gate: row.gate };
  }

  findActive(): Promise<ModelVersionEntity | null> {
    return this.models.findActive();
  }
}

export function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}

export function toModelView(row: ModelVersionEntity): ModelVersionView {
  const m = (row.manifest.metrics ?? null) as Partial<HeadlineMetrics> | null;
  return {
    id: row.id,
    version: row.version,
    name: row.name,
    status: row.status,
    dir: row.dir,
    metrics: m
      ? { intent_accuracy: m.intent_accuracy ?? 0, intent_macro_f1: m.intent_macro_f1 ?? 0, slot_f1: m.slot_f1 ?? 0, exact_match: m.exact_match ?? 0 }
      : null,
    gate: row.gate ? { passed: row.gate.passed, ...(row.gate.forced ? { forced: true } : {}), summary: gateSummary(row.gate) } : null,
    jobId: row.jobId,
    previousId: row.previousId,
    createdAt: row.createdAt.toISOString(),
    promotedAt: row.promotedAt?.toISOString() ?? null,
    promotedBy: row.promotedBy,
  };
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { AuditService } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import type { AuthUser, ModelDeleteResult } from '@app/contracts';
import { ModelVersionRepository, TrainingJobRepository, TransactionService } from '@app/database';
import { ModelRegistryService } from './model-registry.service';
import { GatePendingError, ModelInUseError } from './registry.errors';
import { TrainingFilesRepository } from './training-files.repository';

/**
 * Deletes a model version an admin no longer wants: a refused candidate, an old retired one. Every retrain leaves a
 * folder of about 115 MB (fp32 and int8 graphs), so without this the models folder only grows. The active version
 * and the one a rollback would return to are refused, and so is a candidate whose job is still evaluating it.
 */
@Injectable()
export class ModelDeletionService {
  private readonly logger = new Logger('ModelDeletion');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ModelRegistryService,
    private readonly models: ModelVersionRepository,
    private readonly jobs: TrainingJobRepository,
    private readonly files: TrainingFilesRepository,
    private readonly tx: TransactionService,
    private readonly audit: AuditService,
  ) {}

  async delete(id: string, actor: AuthUser, reason?: string): Promise<ModelDeleteResult> {
    const found = await this.registry.get(id);
    if (found.status === 'candidate' && found.gate === null && found.jobId) {
      const job = await this.jobs.findById(found.jobId);
      if (job && (job.status === 'running' || job.status === 'queued')) throw new GatePendingError();
    }
    const { target, shared } = await this.tx.run(async (manager) => {
      // The active row first, then the target, both locked: a promotion or rollback waits, or this does.
      const active = await this.models.findActive(manager, true);
      const row = await this.models.findById(id, manager, true);
      if (!row) return { target: null, shared: 0 };
      if (row.status === 'active') throw new ModelInUseError(row.version, 'it is the active version; promote another one first');
      if (active?.previousId === row.id) throw new ModelInUseError(row.version, 'a rollback would return to it');
      const others = await this.models.countOthersInDir(row.id, row.dir, manager);
      await this.models.delete(row.id, manager);
      await this.audit.record(
        { actor, action: 'model.delete', targetType: 'model_version', targetId: row.id, before: { version: row.version, status: row.status, dir: row.dir }, after: null, reason: reason?.trim() || undefined },
        manager,
      );
      return { target: row, shared: others };
    });
    if (!target) return { id, version: found.version, folderRemoved: false };
    // After the commit: a failed removal leaves a folder without a row (logged), never a row without its folder.
    let folderRemoved = false;
    if (shared === 0 && (await this.ownsFolder(target.dir, target.version))) {
      try {
        await this.files.removeDir(target.dir);
        folderRemoved = true;
      } catch (error) {
        this.logger.warn({ event: 'model.folder_remove_failed', id, version: target.version, message: (error as Error).message });
      }
    }
    this.logger.log({ event: 'model.deleted', id, version: target.version, status: target.status, folderRemoved, by: actor.id });
    return { id, version: target.version, folderRemoved };
  }

  /**
   * Only a folder under MODELS_DIR that still holds this version is removed: never the configured default model's
   * (scripts/ensure-model.sh owns it), nor one retrained in place since, nor anything outside the models folder.
   */
  private async ownsFolder(dir: string, version: string): Promise<boolean> {
    const path = resolve(dir);
    const inside = relative(resolve(this.config.training.modelsDir), path);
    if (!inside || inside.startsWith('..') || isAbsolute(inside)) return false;
    if (path === resolve(this.config.nlu.modelDir)) return false;
    if (!existsSync(join(path, 'manifest.json'))) return false;
    try {
      return (JSON.parse(await readFile(join(path, 'manifest.json'), 'utf8')) as { version?: string }).version === version;
    } catch {
      return false;
    }
  }
}

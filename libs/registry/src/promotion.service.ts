import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '@app/auth';
import { MODEL_CHANNEL } from '@app/contracts';
import type { AuthUser, GateReport, PromoteResult } from '@app/contracts';
import { ModelVersionEntity, ModelVersionRepository, TransactionService } from '@app/database';
import { NluService } from '@app/nlu';
import { toModelView, ModelRegistryService } from './model-registry.service';
import { PgChannelRepository } from './pg-channel.repository';
import { GateFailedError, GatePendingError, ModelAlreadyActiveError, ModelInvalidError, NoPreviousModelError, ReasonRequiredError } from './registry.errors';

/**
 * Promote and roll back. The folder is loaded into this server's NLU first (the test load: a folder that does
 * not load is refused with MODEL_INVALID before anything changes); then the registry switches in one
 * transaction with its audit entry, and a notification makes every other server load it too.
 */
@Injectable()
export class PromotionService {
  private readonly logger = new Logger('Promotion');

  constructor(
    private readonly registry: ModelRegistryService,
    private readonly models: ModelVersionRepository,
    private readonly tx: TransactionService,
    private readonly audit: AuditService,
    private readonly nlu: NluService,
    private readonly channel: PgChannelRepository,
  ) {}

  async promote(id: string, actor: AuthUser, opts: { force?: boolean; reason?: string }): Promise<PromoteResult> {
    const target = await this.registry.get(id);
    if (target.status === 'active') throw new ModelAlreadyActiveError(target.version);
    const reason = opts.reason?.trim() || undefined;
    if (opts.force && !reason) throw new ReasonRequiredError();
    const overridesGate = !target.gate?.passed;
    if (!opts.force) {
      if (!target.gate) throw new GatePendingError();
      if (!target.gate.passed) throw new GateFailedError(target.gate);
    }
    const forced = opts.force && overridesGate;
    return this.switchTo(target, actor, reason, async (manager, active) => {
      if (forced) {
        const gate = { ...(target.gate ?? emptyGate(target)), forced: { by: actor.id, reason: reason!, at: new Date().toISOString() } } as GateReport;
        await this.models.setGate(target.id, gate, manager);
      }
      const model = await this.models.activate(target.id, actor.id, active?.id ?? null, manager);
      await this.audit.record(
        {
          actor,
          action: forced ? 'model.promote.forced' : 'model.promote',
          targetType: 'model_version',
          targetId: target.id,
          before: { active: active?.version ?? null },
          after: { active: target.version, gate: target.gate ? { passed: target.gate.passed, failures: target.gate.failures } : null },
          reason,
        },
        manager,
      );
      return model;
    });
  }

  /** Back to the version that was active before the current one (repeatable: walks back the promotion history). */
  async rollback(actor: AuthUser, reason?: string): Promise<PromoteResult> {
    const active = await this.registry.findActive();
    const previous = active?.previousId ? await this.models.findById(active.previousId) : null;
    if (!active || !previous) throw new NoPreviousModelError();
    return this.switchTo(previous, actor, reason?.trim() || undefined, async (manager) => {
      const model = await this.models.activate(previous.id, actor.id, undefined, manager);
      await this.audit.record(
        { actor, action: 'model.rollback', targetType: 'model_version', targetId: previous.id, before: { active: active.version }, after: { active: previous.version }, reason },
        manager,
      );
      return model;
    });
  }

  private async switchTo(
    target: ModelVersionEntity,
    actor: AuthUser,
    reason: string | undefined,
    write: (manager: Parameters<Parameters<TransactionService['run']>[0]>[0], active: ModelVersionEntity | null) => Promise<ModelVersionEntity>,
  ): Promise<PromoteResult> {
    const before = await this.registry.findActive();
    const loadedBefore = this.nlu.modelInfo?.version ?? null;
    try {
      await this.testLoad(target);
    } catch (error) {
      await this.revert(before, loadedBefore);
      throw error;
    }
    let result: { model: ModelVersionEntity; previousId: string | null };
    try {
      result = await this.tx.run(async (manager) => {
        const active = await this.models.findActive(manager, true);
        return { model: await write(manager, active), previousId: active?.id ?? null };
      });
    } catch (error) {
      await this.revert(before, loadedBefore);
      throw error;
    }
    this.logger.log({ event: 'model.promoted', id: target.id, version: target.version, previousId: result.previousId, by: actor.id, reason: reason ?? null });
    await this.channel.publish(MODEL_CHANNEL, target.id);
    return { model: toModelView(result.model), previousId: result.previousId };
  }

  /** The registry did not change: put this server back on the model it ran before (if the test load replaced it). */
  private async revert(before: ModelVersionEntity | null, loadedBefore: string | null): Promise<void> {
    if (!before || loadedBefore !== before.version || this.nlu.modelInfo?.version === before.version) return;
    await this.nlu.swap(before.dir).catch((e: Error) => this.logger.error({ event: 'model.revert_failed', version: before.version, message: e.message }));
  }

  private async testLoad(target: ModelVersionEntity): Promise<void> {
    try {
      const info = await this.nlu.swap(target.dir);
      if (info.version !== target.version) throw new Error(`the folder now holds version ${info.version}, registered as ${target.version}`);
    } catch (error) {
      const e = error as { code?: string; message?: string };
      this.logger.warn({ event: 'model.promote_refused', id: target.id, version: target.version, code: e.code ?? 'UNKNOWN', message: e.message });
      await this.models.setStatus(target.id, 'failed');
      throw new ModelInvalidError(`Model ${target.version} does not load: ${e.message ?? 'unknown error'}`);
    }
  }
}

function emptyGate(target: ModelVersionEntity): GateReport {
  return { passed: false, tolerance: 0, candidate: { id: target.id, version: target.version }, baseline: null, sets: [], failures: ['not evaluated'], evaluatedAt: new Date().toISOString() };
}

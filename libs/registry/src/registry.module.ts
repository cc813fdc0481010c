import { DynamicModule, Module, Provider } from '@nestjs/common';
import { ModelVersionRepository, TrainingJobRepository, TranscriptRepository } from '@app/database';
import { DatasetSnapshotService } from './dataset-snapshot.service';
import { GateService } from './gate.service';
import { DEFAULT_WORKER_OPTIONS, JobWorkerService, WORKER_OPTIONS, WorkerOptions } from './job-worker.service';
import { JobsService } from './jobs.service';
import { ModelDeletionService } from './model-deletion.service';
import { ModelRegistryService } from './model-registry.service';
import { MODEL_RESYNC_MS, ModelSwitchService } from './model-switch.service';
import { PgChannelRepository } from './pg-channel.repository';
import { PromotionService } from './promotion.service';
import { TrainingFilesRepository } from './training-files.repository';
import { TrainingProcessRepository } from './training-process.repository';
import { TranscriptImportService } from './transcript-import.service';

/** What both the chat server and a standalone worker need: registry reads/writes, jobs, dataset, gate, LISTEN/NOTIFY. */
const CORE: Provider[] = [
  ModelVersionRepository,
  TrainingJobRepository,
  TrainingFilesRepository,
  TrainingProcessRepository,
  PgChannelRepository,
  ModelRegistryService,
  JobsService,
  DatasetSnapshotService,
  GateService,
];

/**
 * The model registry, training jobs and transcript import. Needs DatabaseModule and ConfigModule (global).
 * - `forServer(...)`: adds promotion/rollback, the live model switch and the transcript import (these need the
 *   app's NluService and, for audit, AuthModule), plus the in-process worker when `worker.enabled`.
 * - `forWorker(...)`: the standalone worker process (no NLU, no HTTP).
 */
@Module({})
export class RegistryModule {
  static forServer(opts: { imports: DynamicModule['imports']; worker: Partial<WorkerOptions>; resyncMs?: number }): DynamicModule {
    return {
      module: RegistryModule,
      imports: opts.imports,
      providers: [
        ...CORE,
        TranscriptRepository,
        PromotionService,
        ModelDeletionService,
        ModelSwitchService,
        TranscriptImportService,
        JobWorkerService,
        { provide: WORKER_OPTIONS, useValue: { ...DEFAULT_WORKER_OPTIONS, ...opts.worker } },
        { provide: MODEL_RESYNC_MS, useValue: opts.resyncMs ?? 30_000 },
      ],
      exports: [ModelRegistryService, PromotionService, ModelDeletionService, JobsService, TranscriptImportService, ModelSwitchService, JobWorkerService, PgChannelRepository],
    };
  }

  static forWorker(worker: Partial<WorkerOptions> = {}): DynamicModule {
    return {
      module: RegistryModule,
      providers: [...CORE, JobWorkerService, { provide: WORKER_OPTIONS, useValue: { ...DEFAULT_WORKER_OPTIONS, enabled: true, ...worker } }],
      exports: [JobWorkerService, ModelRegistryService, JobsService],
    };
  }
}

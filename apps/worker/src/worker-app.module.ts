import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { RegistryModule, WorkerOptions } from '@app/registry';

/** Composition root of the standalone worker: config, database and the job worker (no HTTP, no NLU). */
@Module({})
export class WorkerAppModule {
  static forRoot(config: AppConfig, worker: Partial<WorkerOptions> = {}): DynamicModule {
    return {
      module: WorkerAppModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(), RegistryModule.forWorker(worker)],
    };
  }
}

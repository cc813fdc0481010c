import { DynamicModule, Module } from '@nestjs/common';
import { AdminGateway } from './admin.gateway';
import { AnalyticsController } from './analytics.controller';
import { JobsController } from './jobs.controller';
import { ModelsController } from './models.controller';
import { TranscriptsController } from './transcripts.controller';

/** The admin API (docs/api-admin.md): models, jobs, transcript import, analytics over REST and the `/admin` socket namespace. */
@Module({})
export class AdminModule {
  /** `registry` is the app's one RegistryModule.forServer(...) instance. */
  static register(registry: DynamicModule): DynamicModule {
    return {
      module: AdminModule,
      imports: [registry],
      controllers: [ModelsController, JobsController, TranscriptsController, AnalyticsController],
      providers: [AdminGateway],
    };
  }
}

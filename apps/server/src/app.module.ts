import { DynamicModule, Module } from '@nestjs/common';
import { AnswersModule, FulfillmentClient, RetrievalService, TemplateService } from '@app/answers';
import { AuthModule } from '@app/auth';
import { AppConfig, ConfigModule } from '@app/config';
import { ConversationModule, FulfillmentPort, NluPort, RetrievalPort, TemplatePort } from '@app/conversation';
import { DatabaseModule } from '@app/database';
import { NluModule, NluService } from '@app/nlu';
import { RegistryModule } from '@app/registry';
import { AdminModule } from './admin/admin.module';
import { AgentModule } from './agent/agent.module';
import { BootSequence } from './boot-sequence.service';
import { ContentHttpModule } from './content/content-http.module';
import { ConversationsController } from './controllers/conversations.controller';
import { NluController } from './controllers/nlu.controller';
import { RestChannelController } from './controllers/rest-channel.controller';
import { HealthController } from './controllers/health.controller';
import { MetricsController } from './controllers/metrics.controller';
import { ChatEmitterModule } from './gateways/chat-emitter.module';
import { ChatGateway } from './gateways/chat.gateway';
import { SocketRedisLink } from './gateways/socket-redis-link';
import { SecurityModule } from './security/security.module';
import { WebModule } from './web/web.module';

/** Composition root: wires config, database, NLU, answers and the conversation pipeline to the transports. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    // One instance of each, shared by every importer (Nest dedupes a dynamic module by its metadata object).
    // The runtime options go here (not only to the boot-time load): a promotion or rollback swaps with
    // NluService's module options, and would otherwise fall back to the library defaults.
    const { variant, threads, workers, spin, callTimeoutMs, maxBatch } = config.nlu;
    const nlu = NluModule.forRoot({ variant, threads, workers, spin, callTimeoutMs, maxBatch });
    // Model registry + jobs; with the embedded PGlite the worker must run in this process (WORKER_MODE).
    const registry = RegistryModule.forServer({ imports: [nlu], worker: { enabled: config.training.workerMode === 'embedded' } });
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(),
        AuthModule,
        nlu,
        AnswersModule,
        ChatEmitterModule,
        ConversationModule.register({
          imports: [nlu, AnswersModule, ChatEmitterModule],
          bindings: [
            { provide: NluPort, useExisting: NluService },
            { provide: TemplatePort, useExisting: TemplateService },
            { provide: RetrievalPort, useExisting: RetrievalService },
            { provide: FulfillmentPort, useExisting: FulfillmentClient },
          ],
        }),
        ContentHttpModule,
        registry,
        AdminModule.register(registry),
        AgentModule,
        SecurityModule,
        WebModule,
      ],
      controllers: [ConversationsController, NluController, RestChannelController, HealthController, MetricsController],
      providers: [ChatGateway, BootSequence, SocketRedisLink],
    };
  }
}

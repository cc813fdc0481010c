import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { DatabaseHandle, openDatabase } from './data-source';
import { DATABASE_HANDLE } from './database.tokens';
import { EmbeddedMaintenance } from './embedded-maintenance.service';
import { ConversationRepository } from './repositories/conversation.repository';
import { FeedbackRepository } from './repositories/feedback.repository';
import { MessageRepository } from './repositories/message.repository';
import { ReviewItemRepository } from './repositories/review-item.repository';
import { SlotStateRepository } from './repositories/slot-state.repository';
import { TurnRepository } from './repositories/turn.repository';
import { TransactionService } from './transaction.service';
import { AppUserRepository } from './repositories/app-user.repository';
import { AuditLogRepository } from './repositories/audit-log.repository';
import { AuthSessionRepository } from './repositories/auth-session.repository';
import { TrainingExampleRepository } from './repositories/training-example.repository';
import { HandoffRepository } from './repositories/handoff.repository';
import { ReviewQueueRepository } from './repositories/review-queue.repository';
import { AnalyticsRepository } from './repositories/analytics.repository';
import { CsatRepository } from './repositories/csat.repository';
import { WebhookDeliveryRepository } from './repositories/webhook-delivery.repository';
import { ApiTokenRepository } from './repositories/api-token.repository';
import { ConversationNoteRepository } from './repositories/conversation-note.repository';

export { DATABASE_HANDLE };

@Injectable()
class DatabaseLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');

  constructor(@Inject(DATABASE_HANDLE) private readonly handle: DatabaseHandle) {}

  async onApplicationShutdown(): Promise<void> {
    await this.handle.close();
    this.logger.log({ event: 'database.closed', kind: this.handle.kind });
  }
}

const REPOSITORIES = [ConversationRepository, MessageRepository, SlotStateRepository, FeedbackRepository, ReviewItemRepository, TurnRepository, TransactionService,
  AppUserRepository, AuthSessionRepository, AuditLogRepository, TrainingExampleRepository, HandoffRepository, ReviewQueueRepository, AnalyticsRepository, CsatRepository, WebhookDeliveryRepository, ApiTokenRepository, ConversationNoteRepository];

/**
 * Opens the database (PGlite or PostgreSQL, from the config), runs pending migrations at boot and exports the
 * DataSource and repositories. Other libs add their own repositories as providers in their modules and inject
 * `DataSource`.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: DATABASE_HANDLE,
          inject: [APP_CONFIG],
          useFactory: async (config: AppConfig) => {
            const handle = await openDatabase(config.database, { migrate: true });
            new Logger('Database').log({ event: 'database.ready', kind: handle.kind });
            return handle;
          },
        },
        { provide: DataSource, inject: [DATABASE_HANDLE], useFactory: (handle: DatabaseHandle) => handle.dataSource },
        DatabaseLifecycle,
        EmbeddedMaintenance,
        ...REPOSITORIES,
      ],
      exports: [DATABASE_HANDLE, DataSource, EmbeddedMaintenance, ...REPOSITORIES],
    };
  }
}

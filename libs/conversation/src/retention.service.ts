import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ConversationRepository } from '@app/database';
import { ConversationErasureService } from './conversation-erasure.service';
import { AgeSweep } from './interval-job';

/** How often expired conversations are looked for, and how many are erased at most per round. */
export const RETENTION_EVERY_MS = 60 * 60_000;
const RETENTION_BATCH = 200;

/**
 * Retention (CONVERSATION_RETENTION_DAYS): every hour, resolved conversations with no activity for that many days are
 * erased with what was derived from them, exactly as an admin's erasure (ConversationErasureService): storage
 * limitation for customer data. Imported transcripts are kept (the admin brought them in as training data). Every
 * instance looks; the conversation lock lets one of them erase each.
 */
@Injectable()
export class RetentionJob extends AgeSweep {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly conversations: ConversationRepository,
    private readonly erasure: ConversationErasureService,
  ) {
    super(new Logger('Retention'), 'retention', RETENTION_EVERY_MS, RETENTION_BATCH);
  }

  protected ageMs(): number {
    return this.config.chat.retentionDays * 86_400_000;
  }

  protected find(before: Date, limit: number): Promise<string[]> {
    return this.conversations.expired(before, limit);
  }

  protected async act(id: string, before: Date): Promise<boolean> {
    return (await this.erasure.eraseExpired(id, before)) !== null;
  }
}

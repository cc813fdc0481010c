import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ConversationRepository } from '@app/database';
import { HandoffService } from './handoff.service';
import { AgeSweep } from './interval-job';

/** How often open conversations are checked, and how many are resolved at most per check. */
export const AUTO_RESOLVE_EVERY_MS = 5 * 60_000;
const AUTO_RESOLVE_BATCH = 200;

/**
 * Auto-resolve, as Chatwoot's: every few minutes, conversations nobody wrote in for CONVERSATION_AUTO_RESOLVE_HOURS
 * are resolved (HandoffService.resolveIdle), so abandoned ones leave the agents' queue and the customer's next
 * message starts afresh. Every instance checks; the conversation lock and the idle check under it let one of them
 * resolve each, once.
 */
@Injectable()
export class AutoResolver extends AgeSweep {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly conversations: ConversationRepository,
    private readonly handoffs: HandoffService,
  ) {
    super(new Logger('AutoResolver'), 'auto_resolve', AUTO_RESOLVE_EVERY_MS, AUTO_RESOLVE_BATCH);
  }

  protected ageMs(): number {
    return this.config.chat.autoResolveHours * 3_600_000;
  }

  protected find(before: Date, limit: number): Promise<string[]> {
    return this.conversations.idleOpen(before, limit);
  }

  protected act(id: string, before: Date): Promise<boolean> {
    return this.handoffs.resolveIdle(id, before);
  }
}

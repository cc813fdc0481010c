import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ConversationRepository, isDatabaseUnavailable } from '@app/database';
import { HandoffService } from './handoff.service';
import { describe } from './turn.service';

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
export class AutoResolver implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AutoResolver');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly conversations: ConversationRepository,
    private readonly handoffs: HandoffService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.chat.autoResolveHours <= 0) return;
    this.timer = setInterval(() => void this.tick(), AUTO_RESOLVE_EVERY_MS); // tick() catches its own errors
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One check unless the previous one is still running; resolves how many conversations it closed. */
  tick(): Promise<number> {
    this.running ??= this.run()
      .catch((error: unknown) => {
        if (isDatabaseUnavailable(error)) this.logger.warn({ event: 'auto_resolve.skipped', reason: 'database unavailable' });
        else this.logger.error({ event: 'auto_resolve.failed', err: describe(error) });
        return 0;
      })
      .finally(() => (this.running = null));
    return this.running;
  }

  private async run(): Promise<number> {
    const hours = this.config.chat.autoResolveHours;
    if (hours <= 0) return 0;
    const idleSince = new Date(Date.now() - hours * 3_600_000);
    let resolved = 0;
    for (const id of await this.conversations.idleOpen(idleSince, AUTO_RESOLVE_BATCH)) {
      if (await this.handoffs.resolveIdle(id, idleSince)) resolved++;
    }
    if (resolved > 0) this.logger.log({ event: 'auto_resolve', resolved, hours });
    return resolved;
  }
}

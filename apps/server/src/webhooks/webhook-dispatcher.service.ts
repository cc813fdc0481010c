import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { signature } from '@app/answers';
import { APP_CONFIG, AppConfig } from '@app/config';
import type { WebhookEnvelope, WebhookEventName } from '@app/contracts';
import { ClaimedDelivery, WebhookDeliveryRepository } from '@app/database';
import { EventOutbox } from './event-outbox';

/** Due deliveries looked for this often when nothing wakes the dispatcher earlier. */
export const WEBHOOK_POLL_MS = 1_000;
/** Deliveries claimed, and sent in parallel, per round. */
export const WEBHOOK_BATCH = 16;
/** The longest wait between two attempts. */
export const WEBHOOK_MAX_BACKOFF_MS = 3_600_000;
/** Delivered rows are kept this long (the admin list shows them), failed ones longer (to be sent again). */
const KEEP_DELIVERED_MS = 24 * 3_600_000;
const KEEP_FAILED_MS = 30 * 24 * 3_600_000;
const PURGE_EVERY_MS = 10 * 60_000;

/**
 * The wait before attempt `attempts + 1` after `attempts` failed ones: `baseMs` doubled per failure after the first,
 * capped at {@link WEBHOOK_MAX_BACKOFF_MS}, times a jitter in [0.8, 1.2) so receivers coming back are not hit by every
 * instance's retries at once.
 */
export function retryDelayMs(attempts: number, baseMs: number, random: () => number = Math.random): number {
  const exact = Math.min(baseMs * 2 ** Math.max(0, attempts - 1), WEBHOOK_MAX_BACKOFF_MS);
  return Math.round(exact * (0.8 + 0.4 * random()));
}

export interface WebhookStats {
  delivered: number;
  retried: number;
  failed: number;
}

/**
 * Sends the event webhook's outbox to EVENT_WEBHOOK_URL: signed POSTs, each bounded by EVENT_WEBHOOK_TIMEOUT_MS and
 * never redirected; a 2xx answer delivers it, anything else is tried again with backoff until
 * EVENT_WEBHOOK_MAX_ATTEMPTS, then it is `failed` (an admin can send it again). Every instance runs one; they share
 * the outbox through claims, so each attempt is made by one of them. Delivery is at least once and not ordered: a
 * receiver drops a repeated `id` and orders messages by `seq`.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WebhookDispatcher');
  readonly stats: WebhookStats = { delivered: 0, retried: 0, failed: 0 };
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private lastPurge = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly rows: WebhookDeliveryRepository,
    private readonly outbox: EventOutbox,
  ) {}

  get enabled(): boolean {
    return this.config.events.url !== null;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.outbox.onStored(() => this.wake());
    this.logger.log({ event: 'webhook.started', origin: new URL(this.config.events.url!).origin, events: this.config.events.events });
    this.wake();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.outbox.flush();
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    // The round under way finishes (its attempts are bounded by the timeout); what it did not claim stays pending.
    await this.round;
  }

  /** Runs a round now, or right after the one under way. */
  wake(): void {
    if (this.stopped || !this.enabled) return;
    if (this.round) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.round = this.runRounds().finally(() => {
      this.round = null;
      if (this.stopped) return;
      if (this.again) this.wake();
      else this.timer = setTimeout(() => this.wake(), WEBHOOK_POLL_MS);
    });
  }

  private async runRounds(): Promise<void> {
    this.again = false;
    try {
      // A full batch means more may be due: claim again at once.
      while (!this.stopped && (await this.sendDue()) === WEBHOOK_BATCH);
      if (Date.now() - this.lastPurge > PURGE_EVERY_MS) await this.purge();
    } catch (error) {
      this.logger.error({ event: 'webhook.round_failed', code: (error as { code?: string }).code ?? 'UNKNOWN', err: String((error as Error).message ?? error).slice(0, 200) });
    }
  }

  private async sendDue(): Promise<number> {
    // The claim outlasts the attempt, so no other instance takes it meanwhile; a crash leaves it due after that.
    const due = await this.rows.claimDue(WEBHOOK_BATCH, this.config.events.timeoutMs + 10_000);
    await Promise.all(due.map((d) => this.attempt(d)));
    return due.length;
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const { url, secret, timeoutMs, maxAttempts, retryBaseMs } = this.config.events;
    // An identified customer and the email a customer left go with every event of their conversation, as they are
    // when it is sent (an agent's later answer can then be mailed to a customer who has left).
    const data = delivery.conversationId ? { ...(delivery.payload as object), customer: delivery.customer, contactEmail: delivery.contactEmail } : delivery.payload;
    const envelope: WebhookEnvelope = { id: delivery.id, event: delivery.event as WebhookEventName, createdAt: delivery.createdAt.toISOString(), data: data as never };
    const body = JSON.stringify(envelope);
    let status: number | null = null;
    let error: string;
    try {
      const res = await fetch(url!, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Parley-Webhooks/1',
          'x-parley-event': delivery.event,
          'x-parley-delivery': delivery.id,
          'x-parley-attempt': String(delivery.attempts),
          'x-parley-signature': signature(secret ?? '', body, Math.floor(Date.now() / 1000)),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      await res.body?.cancel().catch(() => undefined);
      if (status >= 200 && status < 300) {
        await this.rows.markDelivered(delivery.id, status);
        this.stats.delivered++;
        return;
      }
      error = `HTTP ${status}`;
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      error = err.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : (err.cause?.code ?? err.cause?.message ?? err.message);
    }
    const last = delivery.attempts >= maxAttempts;
    const retryAt = last ? null : new Date(Date.now() + retryDelayMs(delivery.attempts, retryBaseMs));
    await this.rows.markAttemptFailed(delivery.id, { httpStatus: status, error, retryAt });
    if (last) this.stats.failed++;
    else this.stats.retried++;
    // The delivery id and the reason only: the payload holds customer text.
    this.logger.warn({ event: last ? 'webhook.failed' : 'webhook.retry', deliveryId: delivery.id, webhookEvent: delivery.event, attempt: delivery.attempts, status, error, retryAt: retryAt?.toISOString() ?? null });
  }

  private async purge(): Promise<void> {
    this.lastPurge = Date.now();
    const removed = await this.rows.purge(new Date(Date.now() - KEEP_DELIVERED_MS), new Date(Date.now() - KEEP_FAILED_MS));
    if (removed > 0) this.logger.log({ event: 'webhook.purged', removed });
  }
}

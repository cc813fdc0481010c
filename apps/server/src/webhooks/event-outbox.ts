import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import type { WebhookEventData, WebhookEventName } from '@app/contracts';
import { NewWebhookDelivery, WebhookDeliveryRepository } from '@app/database';

/** Events wait at most this long in memory before they are stored, in one statement with the others. */
export const OUTBOX_FLUSH_MS = 20;
/** A batch this large is stored at once. */
export const OUTBOX_MAX_BATCH = 200;

/**
 * Where the event webhook's events enter its outbox (`webhook_delivery`). The change they report is committed
 * already; the event follows within {@link OUTBOX_FLUSH_MS}, batched, so a busy chat costs one extra statement per
 * batch and not one per message. A process that dies in that window loses those events (docs/webhooks.md); once
 * stored, an event is delivered at least once. Off (records nothing) without EVENT_WEBHOOK_URL, and for events not in
 * EVENT_WEBHOOK_EVENTS.
 */
@Injectable()
export class EventOutbox implements BeforeApplicationShutdown {
  private readonly logger = new Logger('EventOutbox');
  private readonly subscribed: ReadonlySet<WebhookEventName>;
  private buffer: NewWebhookDelivery[] = [];
  private timer: NodeJS.Timeout | null = null;
  private storing: Promise<void> = Promise.resolve();
  private readonly listeners: Array<() => void> = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly rows: WebhookDeliveryRepository,
  ) {
    this.subscribed = new Set(config.events.url ? config.events.events : []);
  }

  get enabled(): boolean {
    return this.subscribed.size > 0;
  }

  /** Whether `event` is recorded (the webhook is on and subscribes to it). */
  wants(event: WebhookEventName): boolean {
    return this.subscribed.has(event);
  }

  /** Called after each batch is stored (the dispatcher sends it without waiting for its next poll). */
  onStored(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** `conversationId`: the conversation the event is about, erased with it; null when it is gone already. */
  record<E extends WebhookEventName>(event: E, conversationId: string | null, data: WebhookEventData[E], at: Date = new Date()): void {
    if (!this.subscribed.has(event)) return;
    this.buffer.push({ event, conversationId, payload: data, createdAt: at });
    if (this.buffer.length >= OUTBOX_MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), OUTBOX_FLUSH_MS);
  }

  /** Stores what is buffered; batches are stored one after the other, in the order they were recorded. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.buffer.splice(0);
    if (batch.length > 0) this.storing = this.storing.then(() => this.store(batch));
    return this.storing;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private async store(batch: NewWebhookDelivery[]): Promise<void> {
    try {
      const stored = await this.rows.enqueue(batch);
      // Fewer: events of conversations erased before they were stored (on purpose, see the repository).
      if (stored < batch.length) this.logger.log({ event: 'webhook.events_dropped', count: batch.length - stored, reason: 'conversation_erased' });
      if (stored > 0) for (const listener of this.listeners) listener();
    } catch (error) {
      this.logger.error({ event: 'webhook.enqueue_failed', count: batch.length, code: (error as { code?: string }).code ?? 'UNKNOWN', err: String((error as Error).message ?? error).slice(0, 200) });
    }
  }
}

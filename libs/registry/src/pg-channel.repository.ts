import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';

const RECONNECTED = Symbol('reconnected');

/**
 * PostgreSQL LISTEN/NOTIFY between processes (chat servers, workers). On PostgreSQL one dedicated connection
 * LISTENs and reconnects with backoff; subscribers get `onReconnect` to re-read what they may have missed.
 * The embedded PGlite lives in one process only, so there a notification is delivered in-process.
 */
@Injectable()
export class PgChannelRepository implements OnModuleDestroy {
  private readonly logger = new Logger('PgChannel');
  private readonly local = new EventEmitter();
  private readonly channels = new Set<string>();
  private client: Client | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private retryMs = 500;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {
    this.local.setMaxListeners(100);
  }

  /** Calls `handler(payload)` for every notification on `channel`; returns the unsubscribe function. */
  async subscribe(channel: string, handler: (payload: string) => void): Promise<() => void> {
    this.local.on(channel, handler);
    if (!this.channels.has(channel)) {
      this.channels.add(channel);
      if (this.config.database.kind === 'postgres') await this.ensureListening(channel);
    }
    return () => this.local.off(channel, handler);
  }

  /** Called after the listening connection was lost and re-established (notifications may have been missed). */
  onReconnect(handler: () => void): () => void {
    this.local.on(RECONNECTED, handler);
    return () => this.local.off(RECONNECTED, handler);
  }

  /** Sends a notification to every process (PostgreSQL) or to this one (PGlite). Call after the change committed. */
  async publish(channel: string, payload: string): Promise<void> {
    if (this.config.database.kind === 'postgres') {
      await this.dataSource.query(`SELECT pg_notify($1, $2)`, [channel, payload]);
    } else {
      setImmediate(() => this.local.emit(channel, payload));
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch((err: Error) => this.logger.warn({ event: 'pg_channel.close_failed', message: err.message }));
    this.local.removeAllListeners();
  }

  private async ensureListening(channel: string): Promise<void> {
    if (this.connecting) await this.connecting;
    if (this.client) {
      await this.client.query(`LISTEN ${quoteIdent(channel)}`);
      return;
    }
    this.connecting = this.connect();
    try {
      await this.connecting;
    } finally {
      this.connecting = null;
    }
  }

  private async connect(): Promise<void> {
    if (this.config.database.kind !== 'postgres') return;
    const client = new Client({ connectionString: this.config.database.url });
    client.on('notification', (msg) => this.local.emit(msg.channel, msg.payload ?? ''));
    client.on('error', (err) => this.lost(client, err.message));
    client.on('end', () => this.lost(client, 'connection ended'));
    await client.connect();
    for (const channel of this.channels) await client.query(`LISTEN ${quoteIdent(channel)}`);
    this.client = client;
    this.retryMs = 500;
  }

  private lost(client: Client, reason: string): void {
    if (this.closed || this.client !== client) return;
    this.client = null;
    this.logger.warn({ event: 'pg_channel.lost', reason, retryMs: this.retryMs });
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect()
        .then(() => {
          this.logger.log({ event: 'pg_channel.reconnected', channels: [...this.channels] });
          this.local.emit(RECONNECTED);
        })
        .catch((err: Error) => {
          this.retryMs = Math.min(this.retryMs * 2, 10_000);
          this.logger.warn({ event: 'pg_channel.reconnect_failed', message: err.message, retryMs: this.retryMs });
          this.scheduleReconnect();
        });
    }, this.retryMs);
    this.retryTimer.unref();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

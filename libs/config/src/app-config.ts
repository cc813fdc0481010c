import type { WebhookEventName } from '@app/contracts';
import type { BusinessHours } from './business-hours';
/** Injection token for the frozen {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The validated, nested, frozen configuration every module reads (never `process.env`). */
export interface AppConfig {
  readonly http: {
    readonly port: number;
    readonly host: string;
    readonly corsOrigins: readonly string[] | '*';
    readonly maxPayloadBytes: number;
    /** Express `trust proxy`: false, true or a hop count. */
    readonly trustProxy: boolean | number;
  };
  /** Limits per window (`windowMs`); 0 means off. Shared across instances through Redis when `redis.url` is set. */
  readonly rateLimit: {
    readonly windowMs: number;
    /** `message:send` per socket. */
    readonly messagesPerConnection: number;
    /** Any client event per socket (typing floods). */
    readonly eventsPerConnection: number;
    readonly connectionsPerIp: number;
    readonly httpPerIp: number;
  };
  readonly database:
    /**
     * `thread`: PGlite runs in a worker thread (PGLITE_THREAD); false or absent: on the event loop.
     * `vacuumIntervalSeconds`: how often the server vacuums and analyzes it (PGLITE_VACUUM_INTERVAL_SECONDS; 0 or
     * absent: never).
     */
    | { readonly kind: 'pglite'; readonly dataDir: string; readonly thread?: boolean; readonly vacuumIntervalSeconds?: number }
    /**
     * `poolSize`: connections per pool (DATABASE_POOL_SIZE; absent: 10). `idleTimeoutSeconds`: how long an idle
     * connection stays open (DATABASE_IDLE_TIMEOUT_SECONDS; 0: for good; absent: 300).
     */
    | { readonly kind: 'postgres'; readonly url: string; readonly poolSize?: number; readonly idleTimeoutSeconds?: number };
  readonly redis: { readonly url: string | null };
  readonly nlu: {
    readonly modelDir: string;
    readonly variant: 'int8' | 'fp32';
    /** ORT intra-op threads per inference worker. */
    readonly threads: number;
    /** Inference worker threads. */
    readonly workers: number;
    /** onnxruntime intra-op threads spin (bounded) while waiting for work within a run (NLU_SPIN). */
    readonly spin: boolean;
    /** Deadline of one inference batch in ms (0 = none); a worker that misses it is replaced. */
    readonly callTimeoutMs: number;
    readonly maxBatch: number;
    /** Config overrides of the manifest's thresholds; `undefined` keeps the manifest's value. */
    readonly thresholds: { readonly answer?: number; readonly retrieval?: number; readonly review?: number };
  };
  readonly chat: {
    readonly maxMessageChars: number;
    readonly slotTtlSeconds: number;
    /** Intents that, when confident, hand the conversation to a person (CHAT_HANDOFF_INTENTS). */
    readonly handoffIntents: readonly string[];
    /** Sweeper for unanswered messages: how often (0 = off) and how old a message must be. */
    readonly sweepIntervalSeconds: number;
    readonly sweepAfterSeconds: number;
    /** Admission control (0 = off): most turns accepted but unanswered, and the middle one's age, before BUSY. */
    readonly maxBacklog: number;
    readonly maxQueueAgeMs: number;
    /** How long the REST channel waits for the bot's reply to a message (CHAT_REST_REPLY_WAIT_MS). */
    readonly restReplyWaitMs: number;
    /** Conversations idle this many hours are resolved (CONVERSATION_AUTO_RESOLVE_HOURS); 0: never. */
    readonly autoResolveHours: number;
    /** Resolved conversations idle this many days are erased (CONVERSATION_RETENTION_DAYS); 0: never. */
    readonly retentionDays: number;
  };
  /** The fulfillment webhook of templates marked `webhook` (docs/fulfillment.md); url null: off. */
  readonly fulfillment: { readonly url: string | null; readonly secret: string | null; readonly timeoutMs: number };
  /** Identified customers: the secret their ids are signed with (docs/widget.md); null: identities are refused. */
  readonly identity: { readonly secret: string | null };
  /** When the team answers (BUSINESS_HOURS, docs/widget.md); null: always. */
  readonly businessHours: BusinessHours | null;
  /** Outbound event webhooks (docs/webhooks.md); url null: off, nothing is recorded. */
  readonly events: {
    readonly url: string | null;
    readonly secret: string | null;
    readonly events: readonly WebhookEventName[];
    readonly timeoutMs: number;
    readonly maxAttempts: number;
    readonly retryBaseMs: number;
  };
  readonly content: { readonly companyProfilePath: string };
  readonly log: { readonly level: LogLevel };
  readonly auth: {
    /** Lifetime of an agent/admin sign-in token. */
    readonly tokenTtlSeconds: number;
    readonly loginMaxFailures: number;
    readonly loginWindowSeconds: number;
    /** Created at boot while `app_user` is empty; a null password is generated and printed once. */
    readonly firstAdmin: { readonly email: string | null; readonly password: string | null };
  };
  /** Retraining, registry and promotion gate (docs/api-admin.md). */
  readonly training: {
    readonly workerMode: 'embedded' | 'off';
    readonly modelsDir: string;
    readonly workDir: string;
    readonly python: string;
    readonly jobStaleSeconds: number;
    readonly gateTolerance: number;
    readonly gateMinExamples: number;
    readonly transcriptMaxBytes: number;
    readonly transcriptMaxRows: number;
  };
}

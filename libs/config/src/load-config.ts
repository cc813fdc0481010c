import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { AppConfig } from './app-config';
import { EnvDto } from './env.dto';
import { WEBHOOK_EVENTS, WebhookEventName } from '@app/contracts';
import { parseClosedDates, parseOpeningWindows } from './business-hours';

/** One invalid environment variable. */
export interface ConfigIssue {
  variable: string;
  problems: string[];
}

/** Thrown by {@link loadConfig}; lists every invalid variable at once. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';

  constructor(readonly issues: ConfigIssue[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.problems.join('; ')}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const KNOWN = new Set(Object.keys(new EnvDto()).concat(['DATABASE_URL', 'REDIS_URL', 'NLU_THREADS', 'NLU_WORKERS', 'THRESHOLD_ANSWER', 'THRESHOLD_RETRIEVAL', 'THRESHOLD_REVIEW', 'PARLEY_ADMIN_EMAIL', 'PARLEY_ADMIN_PASSWORD', 'WORKER_MODE']));

/**
 * Validates `env` and returns a frozen, nested {@link AppConfig}. Pure: reads nothing but its argument.
 * Throws {@link ConfigError} listing every invalid variable.
 */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const picked: Record<string, string | undefined> = {};
  // Empty strings count as "not set", so `FOO=` in a .env file falls back to the default.
  for (const key of KNOWN) if (env[key] !== undefined && env[key]!.trim() !== '') picked[key] = env[key];
  const dto = plainToInstance(EnvDto, picked, { exposeDefaultValues: true });
  const errors = validateSync(dto, { forbidUnknownValues: true });
  if (errors.length > 0) throw new ConfigError(errors.map(toIssue));
  return deepFreeze(toAppConfig(dto));
}

function toIssue(error: ValidationError): ConfigIssue {
  return { variable: error.property, problems: Object.values(error.constraints ?? { invalid: 'is invalid' }) };
}

function toAppConfig(dto: EnvDto): AppConfig {
  const origins = dto.CORS_ORIGINS.trim();
  return {
    http: {
      port: dto.PORT,
      host: dto.HOST,
      corsOrigins: origins === '*' ? '*' : origins.split(',').map((o) => o.trim()).filter(Boolean),
      maxPayloadBytes: dto.MAX_PAYLOAD_BYTES,
      trustProxy: dto.TRUST_PROXY === 'true' ? true : dto.TRUST_PROXY === 'false' ? false : Number(dto.TRUST_PROXY),
    },
    rateLimit: {
      windowMs: dto.RATE_LIMIT_WINDOW_SECONDS * 1000,
      messagesPerConnection: dto.RATE_LIMIT_MESSAGES_PER_MINUTE,
      eventsPerConnection: dto.RATE_LIMIT_EVENTS_PER_MINUTE,
      connectionsPerIp: dto.RATE_LIMIT_CONNECTIONS_PER_MINUTE_PER_IP,
      httpPerIp: dto.RATE_LIMIT_HTTP_PER_MINUTE_PER_IP,
    },
    database: dto.DATABASE_URL ? { kind: 'postgres', url: dto.DATABASE_URL, poolSize: dto.DATABASE_POOL_SIZE, idleTimeoutSeconds: dto.DATABASE_IDLE_TIMEOUT_SECONDS } : { kind: 'pglite', dataDir: dto.PGLITE_DIR, thread: dto.PGLITE_THREAD === 'true', vacuumIntervalSeconds: dto.PGLITE_VACUUM_INTERVAL_SECONDS },
    redis: { url: dto.REDIS_URL ?? null },
    nlu: {
      modelDir: dto.PARLEY_MODEL_DIR,
      variant: dto.NLU_VARIANT,
      threads: dto.NLU_THREADS,
      workers: dto.NLU_WORKERS,
      spin: dto.NLU_SPIN === 'true',
      callTimeoutMs: dto.NLU_CALL_TIMEOUT_MS,
      maxBatch: dto.NLU_MAX_BATCH,
      thresholds: { answer: dto.THRESHOLD_ANSWER, retrieval: dto.THRESHOLD_RETRIEVAL, review: dto.THRESHOLD_REVIEW },
    },
    chat: {
      maxMessageChars: dto.MAX_MESSAGE_CHARS,
      slotTtlSeconds: dto.SLOT_TTL_SECONDS,
      handoffIntents: dto.CHAT_HANDOFF_INTENTS.trim() === 'none' ? [] : dto.CHAT_HANDOFF_INTENTS.split(',').map((i) => i.trim()),
      sweepIntervalSeconds: dto.TURN_SWEEP_INTERVAL_SECONDS,
      sweepAfterSeconds: dto.TURN_SWEEP_AFTER_SECONDS,
      maxBacklog: dto.CHAT_MAX_BACKLOG,
      maxQueueAgeMs: dto.CHAT_MAX_QUEUE_AGE_MS,
      restReplyWaitMs: dto.CHAT_REST_REPLY_WAIT_MS,
      autoResolveHours: dto.CONVERSATION_AUTO_RESOLVE_HOURS,
      retentionDays: dto.CONVERSATION_RETENTION_DAYS,
    },
    fulfillment: { url: dto.FULFILLMENT_URL ?? null, secret: dto.FULFILLMENT_SECRET ?? null, timeoutMs: dto.FULFILLMENT_TIMEOUT_MS },
    identity: { secret: dto.WIDGET_IDENTITY_SECRET ?? null },
    // Closed dates alone: open around the clock except on them.
    businessHours:
      dto.BUSINESS_HOURS || dto.BUSINESS_CLOSED_DATES
        ? { timeZone: dto.BUSINESS_TIMEZONE, windows: parseOpeningWindows(dto.BUSINESS_HOURS ?? 'mon-sun 00:00-24:00'), closedDates: parseClosedDates(dto.BUSINESS_CLOSED_DATES ?? '') }
        : null,
    events: {
      url: dto.EVENT_WEBHOOK_URL ?? null,
      secret: dto.EVENT_WEBHOOK_SECRET ?? null,
      events: dto.EVENT_WEBHOOK_EVENTS.trim() === 'all' ? [...WEBHOOK_EVENTS] : [...new Set(dto.EVENT_WEBHOOK_EVENTS.split(',').map((e) => e.trim() as WebhookEventName))],
      timeoutMs: dto.EVENT_WEBHOOK_TIMEOUT_MS,
      maxAttempts: dto.EVENT_WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: dto.EVENT_WEBHOOK_RETRY_BASE_MS,
    },
    content: { companyProfilePath: dto.COMPANY_PROFILE },
    log: { level: dto.LOG_LEVEL },
    auth: {
      tokenTtlSeconds: dto.AUTH_TOKEN_TTL_SECONDS,
      loginMaxFailures: dto.AUTH_LOGIN_MAX_FAILURES,
      loginWindowSeconds: dto.AUTH_LOGIN_WINDOW_SECONDS,
      firstAdmin: { email: dto.PARLEY_ADMIN_EMAIL ?? null, password: dto.PARLEY_ADMIN_PASSWORD ?? null },
    },
    training: {
      // PGlite cannot be opened by a second process, so with it the server must run the worker itself.
      workerMode: dto.WORKER_MODE ?? (dto.DATABASE_URL ? 'off' : 'embedded'),
      modelsDir: dto.MODELS_DIR,
      workDir: dto.TRAINING_WORK_DIR,
      python: dto.TRAINING_PYTHON,
      jobStaleSeconds: dto.JOB_STALE_SECONDS,
      gateTolerance: dto.GATE_TOLERANCE,
      gateMinExamples: dto.GATE_MIN_EXAMPLES,
      transcriptMaxBytes: dto.TRANSCRIPT_MAX_BYTES,
      transcriptMaxRows: dto.TRANSCRIPT_MAX_ROWS,
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * For entry points: loads the config or prints every invalid variable and exits with status 78 (EX_CONFIG)
 * before Nest boots.
 */
export function loadConfigOrExit(env: Record<string, string | undefined>): AppConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${JSON.stringify({ level: 'fatal', code: error.code, issues: error.issues })}\n${error.message}\n`);
    process.exit(78);
  }
}

import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsNumber, IsOptional, IsString, Length, Matches, Max, Min, ValidateBy, ValidateIf } from 'class-validator';
import { WEBHOOK_EVENTS } from '@app/contracts';
import { checkTimeZone, parseClosedDates, parseOpeningWindows } from './business-hours';

/** A string `parse` accepts; the message is the parser's own (what is wrong). */
function ParsesWith(parse: (value: string) => unknown) {
  const problem = (value: unknown): string | null => {
    if (typeof value !== 'string') return 'must be a string';
    try {
      parse(value);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  };
  return ValidateBy({
    name: 'parsesWith',
    validator: {
      validate: (value: unknown) => problem(value) === null,
      defaultMessage: (args) => problem(args?.value) ?? 'is invalid',
    },
  });
}

/** EVENT_WEBHOOK_EVENTS: `all`, or event names separated by commas. */
const EVENT_NAME = WEBHOOK_EVENTS.map((e) => e.replace('.', '\\.')).join('|');
const EVENT_LIST = new RegExp(`^\\s*(all|(${EVENT_NAME})(\\s*,\\s*(${EVENT_NAME}))*)\\s*$`);

/** Every environment variable the server reads. Defaults live here; `.env.example` documents them. */
export class EnvDto {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  @IsString()
  HOST: string = '0.0.0.0';

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL (or empty for embedded PGlite)' })
  DATABASE_URL?: string;

  /**
   * Connections per pool with DATABASE_URL. A server has two pools of this size: one for requests, one for turns
   * (each turn holds one from BEGIN to COMMIT, so this also caps the turns in flight per instance).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE: number = 10;

  /**
   * Seconds a pooled PostgreSQL connection may sit idle before the pool closes it (0: never). Every new connection
   * costs PostgreSQL a backend process, authentication and cold caches, and the pool's own default (10 s) reopened
   * connections all the time under moderate load.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86_400)
  DATABASE_IDLE_TIMEOUT_SECONDS: number = 300;

  @IsString()
  PGLITE_DIR: string = 'var/pglite';

  /**
   * Run the embedded PGlite in a worker thread of its own (default) instead of on the event loop. In the thread,
   * its query execution no longer competes with sockets and turns for the main thread (README, chat server).
   */
  @IsIn(['true', 'false'])
  PGLITE_THREAD: 'true' | 'false' = 'true';

  /**
   * The embedded PGlite runs PostgreSQL in single-user mode, which has no autovacuum: every this many seconds the
   * server vacuums and analyzes its tables itself, one table per statement (0 turns it off). Ignored with DATABASE_URL.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86400)
  PGLITE_VACUUM_INTERVAL_SECONDS: number = 600;

  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// URL (or empty for no Redis)' })
  REDIS_URL?: string;

  @IsString()
  PARLEY_MODEL_DIR: string = 'models/default';

  @IsIn(['int8', 'fp32'])
  NLU_VARIANT: 'int8' | 'fp32' = 'int8';

  /** ORT intra-op threads per inference worker. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  NLU_THREADS: number = 1;

  /**
   * Inference worker threads. Two single-threaded workers beat one two-threaded worker on a 2-core machine
   * (bench/results/nlu.json: 188 vs 106 msgs/s; bench:chat under load: 90 vs 47 msgs/s).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(16)
  NLU_WORKERS: number = 2;

  /**
   * Let onnxruntime's intra-op threads spin while they wait for work (only matters with NLU_THREADS > 1), at
   * most 50 µs and never between runs (libs/nlu inline.backend.ts). `NLU_WORKERS=1 NLU_THREADS=2 NLU_SPIN=true`
   * is the low-latency, low-memory profile (a lone message ~1.4–2.3 ms instead of ~2.5–3.6 ms, ~75 MB less RSS);
   * off by default because the chat server's event loop and database need the second core under load, where
   * it held 11–35 % fewer msgs/s than 2×1 in bench:nlu (README, NLU runtime).
   */
  @IsIn(['true', 'false'])
  NLU_SPIN: 'true' | 'false' = 'false';

  /**
   * Deadline of one inference batch (ms): a worker that has not answered by then is presumed hung, the batch
   * fails with NLU_INFERENCE_TIMEOUT (the turn falls back) and the worker is replaced. 0 = no deadline.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(600_000)
  NLU_CALL_TIMEOUT_MS: number = 10_000;

  /**
   * Largest micro-batch (messages run together in one inference). On these CPUs a batch costs about as much per
   * message as single calls (padding eats what batching saves) and makes the messages behind it wait; on the
   * 2-core bench machine 8 and 32 measured the same within run-to-run noise (bench:chat reply p99 157-163 vs
   * 161-365 ms), so the default stays 32 (higher peak throughput with many callers, bench:nlu).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(256)
  NLU_MAX_BATCH: number = 32;

  @IsOptional()
  @Type(() => Number)
  @IsNumber()
  @Min(0)
  @Max(1)
  THRESHOLD_ANSWER?: number;

  @IsOptional()
  @Type(() => Number)
  @IsNumber()
  @Min(0)
  @Max(1)
  THRESHOLD_RETRIEVAL?: number;

  @IsOptional()
  @Type(() => Number)
  @IsNumber()
  @Min(0)
  @Max(1)
  THRESHOLD_REVIEW?: number;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100000)
  MAX_MESSAGE_CHARS: number = 2000;

  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(10 * 1024 * 1024)
  MAX_PAYLOAD_BYTES: number = 65536;

  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(7 * 24 * 3600)
  SLOT_TTL_SECONDS: number = 900;

  /**
   * Intents that hand the conversation to a person when the model is confident (≥ the answer threshold), as the
   * "Talk to a person" button does; comma-separated, or `none` (the intents' templates answer instead).
   */
  @IsString()
  @Matches(/^\s*[a-z0-9_]+(\s*,\s*[a-z0-9_]+)*\s*$/, { message: 'CHAT_HANDOFF_INTENTS must be a comma-separated list of intent names (lower case, digits, _) or none' })
  CHAT_HANDOFF_INTENTS: string = 'contact_human_agent';

  /** How often each server looks for customer messages left unanswered (a server died mid-turn); 0 turns it off. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3600)
  TURN_SWEEP_INTERVAL_SECONDS: number = 15;

  /** How long a customer message may wait for its answer before the sweeper answers it. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  TURN_SWEEP_AFTER_SECONDS: number = 30;

  /**
   * Auto-resolve (as Chatwoot's): a conversation nobody wrote in for this many hours is resolved (closed; the
   * customer's next message starts a new one), so abandoned ones leave the agents' queue. 0: never.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(8760)
  CONVERSATION_AUTO_RESOLVE_HOURS: number = 0;

  /**
   * Retention: a resolved (closed) conversation whose last activity is older than this many days is erased with what
   * was derived from it, as an admin's erasure does (imported transcripts are kept: they are training data the admin
   * brought in). 0: kept until erased by hand.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3650)
  CONVERSATION_RETENTION_DAYS: number = 0;

  /** REST channel: how long `POST /api/channels/rest/messages` waits for the bot's reply before answering without it. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60000)
  CHAT_REST_REPLY_WAIT_MS: number = 10000;

  /**
   * Fulfillment webhook: templates marked `webhook` post the intent and filled slots here and send the text it
   * returns (docs/fulfillment.md). Empty: off, those templates answer with their own text.
   */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'FULFILLMENT_URL must be an http:// or https:// URL (or empty for no webhook)' })
  FULFILLMENT_URL?: string;

  /** Shared secret the webhook request is signed with (`X-Parley-Signature`, HMAC-SHA256); required with FULFILLMENT_URL. */
  @ValidateIf((o: EnvDto) => o.FULFILLMENT_URL !== undefined)
  @IsDefined({ message: 'FULFILLMENT_SECRET is required when FULFILLMENT_URL is set' })
  @IsString()
  @Length(16, 500, { message: 'FULFILLMENT_SECRET must be 16 to 500 characters' })
  FULFILLMENT_SECRET?: string;

  /** How long a turn waits for the webhook before answering with the template's own text. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(30000)
  FULFILLMENT_TIMEOUT_MS: number = 3000;

  /**
   * Identified customers (docs/widget.md): the operator's server signs the signed-in customer's id with this secret
   * (hex HMAC-SHA256) and the widget passes both; Parley then links the conversation to that customer. Empty: the
   * widget's identity is refused (IDENTITY_NOT_ACCEPTED), conversations stay anonymous.
   */
  @IsOptional()
  @IsString()
  @Length(16, 500, { message: 'WIDGET_IDENTITY_SECRET must be 16 to 500 characters (or empty: no identified customers)' })
  WIDGET_IDENTITY_SECRET?: string;

  /**
   * Business hours (docs/widget.md): when the team answers, e.g. `mon-fri 09:00-17:00; sat 10:00-14:00`. Outside them a
   * handoff tells the customer when people are back and offers to answer by email too. Empty: always open (a handoff
   * then only says "nobody is online" when no agent console is open).
   */
  @IsOptional()
  @ParsesWith(parseOpeningWindows)
  BUSINESS_HOURS?: string;

  /** The IANA time zone BUSINESS_HOURS and BUSINESS_CLOSED_DATES are in (e.g. Europe/Berlin). */
  @ParsesWith(checkTimeZone)
  BUSINESS_TIMEZONE: string = 'UTC';

  /** Days the team is closed (holidays), `YYYY-MM-DD`, comma-separated. */
  @IsOptional()
  @ParsesWith(parseClosedDates)
  BUSINESS_CLOSED_DATES?: string;

  /**
   * Outbound event webhooks (docs/webhooks.md): conversation events (messages, handoffs, CSAT, erasure) are posted here,
   * signed, retried with backoff until delivered. Empty: off, nothing is recorded.
   */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'EVENT_WEBHOOK_URL must be an http:// or https:// URL (or empty for no event webhook)' })
  EVENT_WEBHOOK_URL?: string;

  /** Shared secret each delivery is signed with (`X-Parley-Signature`, HMAC-SHA256); required with EVENT_WEBHOOK_URL. */
  @ValidateIf((o: EnvDto) => o.EVENT_WEBHOOK_URL !== undefined)
  @IsDefined({ message: 'EVENT_WEBHOOK_SECRET is required when EVENT_WEBHOOK_URL is set' })
  @IsString()
  @Length(16, 500, { message: 'EVENT_WEBHOOK_SECRET must be 16 to 500 characters' })
  EVENT_WEBHOOK_SECRET?: string;

  /** Which events are sent: `all`, or a comma-separated list of their names. */
  @IsString()
  @Matches(EVENT_LIST, { message: `EVENT_WEBHOOK_EVENTS must be all or a comma-separated list of: ${WEBHOOK_EVENTS.join(', ')}` })
  EVENT_WEBHOOK_EVENTS: string = 'all';

  /** How long one delivery attempt waits for the receiver's answer. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(30000)
  EVENT_WEBHOOK_TIMEOUT_MS: number = 5000;

  /** Attempts before a delivery is given up (status `failed`; an admin can send it again). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  EVENT_WEBHOOK_MAX_ATTEMPTS: number = 12;

  /** Wait after the first failed attempt; it doubles with each further one (with jitter), up to an hour. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(600000)
  EVENT_WEBHOOK_RETRY_BASE_MS: number = 2000;

  /**
   * Admission control: \`message:send\` is refused with BUSY (nothing stored, the client resends after retryAfterMs)
   * while this instance has more turns accepted but not yet answered than this; 0 turns the check off.
   * Defaults from bench:load (2 instances, 200 clients offering ~400 msgs/s, load avg ~7, one 30 s run each):
   * 24 / 250 ms: 250 acked msgs/s, accepted-send reply p50 105 ms / p99 532 ms; 200 / 1000 ms: 158 msgs/s, 589 / 1767 ms;
   * 12 / 150 ms: 153 msgs/s, 116 / 609 ms (more refusals, more resends). But a healthy, busy server must not refuse:
   * bench:chat (1 server, 100 clients at 300 msgs/s, quiet machine, no refusals needed) with 24 / 250 ms refused 764
   * sends and its reply p99 went from 123 ms (admission off) to 868 ms; with 64 / 250 ms 0 and 167 refusals, with
   * 64 / 1000 ms 128 and 4 (short stalls still fill 64). 64 / 500 ms is the compromise.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  CHAT_MAX_BACKLOG: number = 64;

  /** Admission control: refuse with BUSY while the middle of this instance's unanswered turns (≥ 2) has waited longer (ms); 0 = off. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(600_000)
  CHAT_MAX_QUEUE_AGE_MS: number = 500;

  @IsString()
  COMPANY_PROFILE: string = 'content/company.json';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = 'info';

  /**
   * Browser origins allowed to call the REST API and to open a socket (cross-site websocket hijacking):
   * comma-separated exact origins plus the keywords `self` (the server's own host) and `localhost` (any port),
   * or `*` for any (only when set explicitly).
   */
  @IsString()
  @Matches(/^\s*(\*|(self|localhost|https?:\/\/[^\s,/]+)(\s*,\s*(self|localhost|https?:\/\/[^\s,/]+))*)\s*$/, {
    message: 'CORS_ORIGINS must be *, or a comma-separated list of self, localhost and origins like https://shop.example.com (no path)',
  })
  CORS_ORIGINS: string = 'self,localhost';

  /** Take the client IP from `X-Forwarded-For` (behind a load balancer): `true`, or a hop count. */
  @IsString()
  @Matches(/^(true|false|\d{1,2})$/, { message: 'TRUST_PROXY must be true, false or a hop count' })
  TRUST_PROXY: string = 'false';

  /** Rate limits (0 turns one off), counted over RATE_LIMIT_WINDOW_SECONDS. See docs/security.md. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  RATE_LIMIT_MESSAGES_PER_MINUTE: number = 30;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  RATE_LIMIT_EVENTS_PER_MINUTE: number = 300;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  RATE_LIMIT_CONNECTIONS_PER_MINUTE_PER_IP: number = 120;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  RATE_LIMIT_HTTP_PER_MINUTE_PER_IP: number = 600;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  RATE_LIMIT_WINDOW_SECONDS: number = 60;

  /** How long a sign-in token of an agent or admin lives, in seconds (default 12 h). */
  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(30 * 24 * 3600)
  AUTH_TOKEN_TTL_SECONDS: number = 43200;

  /** Failed sign-ins per email + IP before that pair is refused for AUTH_LOGIN_WINDOW_SECONDS. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  AUTH_LOGIN_MAX_FAILURES: number = 5;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(24 * 3600)
  AUTH_LOGIN_WINDOW_SECONDS: number = 900;

  /** First admin, created at boot only while there is no user at all. A secret: no default. */
  @IsOptional()
  @Matches(/^[^\s@]+@[^\s@]+$/, { message: 'PARLEY_ADMIN_EMAIL must be an email address' })
  PARLEY_ADMIN_EMAIL?: string;

  @IsOptional()
  @IsString()
  @Length(12, 200, { message: 'PARLEY_ADMIN_PASSWORD must be 12 to 200 characters' })
  PARLEY_ADMIN_PASSWORD?: string;

  /** Training jobs: `embedded` runs the worker inside the server (default with PGlite), `off` leaves them to `npm run worker` (default with PostgreSQL). */
  @IsOptional()
  @IsIn(['embedded', 'off'])
  WORKER_MODE?: 'embedded' | 'off';

  /** Promotion gate: how many points (0–100) of intent accuracy or slot F1 a candidate may lose against the active model. */
  @Type(() => Number)
  @IsNumber()
  @Min(0)
  @Max(100)
  GATE_TOLERANCE: number = 0.5;

  /** Promotion gate: an evaluation set smaller than this is reported but does not decide. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100000)
  GATE_MIN_EXAMPLES: number = 20;

  /** Where training jobs write model folders (`<dir>/job-<id>`). */
  @IsString()
  MODELS_DIR: string = 'models';

  /**
   * Scratch space of training jobs: dataset snapshots (`<dir>/datasets`, kept: they record what a model learnt),
   * each job's checkpoints (`<dir>/training/job-<id>`, removed when the job ends) and the gate's inputs (`<dir>/gate`).
   */
  @IsString()
  TRAINING_WORK_DIR: string = 'var';

  /** Python interpreter with the `nlu_training` package (training/). */
  @IsString()
  TRAINING_PYTHON: string = '.venv/bin/python';

  /** A running job whose worker has not heartbeated for this long is requeued (or failed after 3 attempts). */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(3600)
  JOB_STALE_SECONDS: number = 60;

  /** Largest raw transcript upload (bytes) and most lines/rows per import. */
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(100 * 1024 * 1024)
  TRANSCRIPT_MAX_BYTES: number = 5 * 1024 * 1024;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100000)
  TRANSCRIPT_MAX_ROWS: number = 5000;
}

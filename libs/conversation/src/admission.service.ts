import { Inject, Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { APP_CONFIG, AppConfig } from '@app/config';
import { TurnMetrics } from './turn-metrics.service';
import { TurnService } from './turn.service';

/** Why a send was refused: too many turns queued, the oldest waited too long, or no database connection came free. */
export type RefusalReason = 'backlog' | 'queue_age' | 'pool';

export interface Backlog {
  /** Turns accepted (or being stored) and not answered yet. */
  pending: number;
  /** How long the oldest of them has waited. */
  oldestMs: number;
  /** How long the middle one (index ⌊pending/2⌋, oldest first) has waited. */
  medianMs: number;
}

export interface AdmissionLimits {
  /** 0 = no limit. */
  maxBacklog: number;
  /** 0 = no limit. */
  maxQueueAgeMs: number;
}

export interface Refusal {
  reason: RefusalReason;
  retryAfterMs: number;
}

const MIN_RETRY_MS = 250;
const MAX_RETRY_MS = 10_000;

/**
 * Whether one more message can be answered in time. Two signals, either one refuses:
 * - the age of the unanswered turns is the latency queued messages are getting right now (turns leave the queue
 *   roughly in order), so it measures "cannot answer in time" directly. The middle turn's age, not the oldest's:
 *   turns of different conversations run side by side, so one slow turn (an NLU call running into its deadline, a
 *   conversation locked by another instance) delays nobody else and must not shut the door for everyone; and a
 *   lone turn is being worked on, nothing waits behind it;
 * - the count catches a burst before anyone has waited: a thousand messages arriving within a few ms all see an
 *   age near 0, and would wait backlog / throughput each.
 * Event-loop lag was not used: NLU runs in worker threads and the database in PostgreSQL, so the main loop stays
 * responsive while the turn queue grows to minutes.
 */
export function decideAdmission(backlog: Backlog, limits: AdmissionLimits, paceMs = MIN_RETRY_MS): Refusal | null {
  const retryAfterMs = retryHint(Math.max(backlog.medianMs, paceMs));
  if (limits.maxBacklog > 0 && backlog.pending >= limits.maxBacklog) return { reason: 'backlog', retryAfterMs };
  if (limits.maxQueueAgeMs > 0 && backlog.pending >= 2 && backlog.medianMs >= limits.maxQueueAgeMs) return { reason: 'queue_age', retryAfterMs };
  return null;
}

/**
 * When to try again: at least as long as the middle queued turn has waited (about what the queue needs to be worked
 * off), bounded so a client neither hammers the server nor waits for long. Clients add their own jitter.
 */
export function retryHint(ms: number): number {
  return Math.round(Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, ms)));
}

/**
 * Paces the resends of refused clients. With a fixed hint, a thousand waiting clients come back several times a
 * second each and the refusals (an ack and a duplicate lookup each) eat the capacity meant for turns (bench:load,
 * 1000 clients: 833 refusals/s against 73 admitted/s). Once a second the hint is scaled by refused / admitted of
 * that second: more refusals than admissions means the waiting clients come back too soon (double it, at most),
 * none means it can shrink (halve it, at least) back to the minimum.
 */
export class RetryPacer {
  private hint = MIN_RETRY_MS;
  private admitted = 0;
  private refused = 0;
  private since: number;

  constructor(private readonly clock: () => number = () => performance.now()) {
    this.since = clock();
  }

  admit(): void {
    this.roll();
    this.admitted++;
  }

  refuse(): void {
    this.roll();
    this.refused++;
  }

  /** The current resend interval (ms). */
  paceMs(): number {
    this.roll();
    return this.hint;
  }

  private roll(): void {
    const now = this.clock();
    if (now - this.since < 1_000) return;
    // A quiet gap longer than a period: whatever pressure there was is over.
    const ratio = now - this.since >= 2_000 ? 0 : this.refused / Math.max(1, this.admitted);
    this.hint = retryHint(this.hint * Math.min(2, Math.max(0.5, ratio)));
    this.admitted = 0;
    this.refused = 0;
    this.since = now;
  }
}

/**
 * Admission control of `message:send` for this instance: refuses work it cannot answer in time before anything
 * is stored, instead of accepting it and answering minutes later. Counts sends being stored (not yet queued as
 * a turn) too, so a burst cannot slip past the limit while its rows are being written.
 */
@Injectable()
export class AdmissionService {
  private storing = 0;
  private readonly limits: AdmissionLimits;
  private readonly pacer = new RetryPacer();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly turns: TurnService,
    private readonly metrics: TurnMetrics,
  ) {
    this.limits = { maxBacklog: config.chat.maxBacklog, maxQueueAgeMs: config.chat.maxQueueAgeMs };
    metrics.watchBacklog(() => this.backlog());
  }

  backlog(): Backlog {
    const turns = this.turns.backlog();
    return { pending: turns.pending + this.storing, oldestMs: turns.oldestMs, medianMs: turns.medianMs };
  }

  /** The refusal a new message would get now, or null. Not counted yet: a duplicate is still acked (see refused). */
  check(): Refusal | null {
    return decideAdmission(this.backlog(), this.limits, this.pacer.paceMs());
  }

  /** Counts a send that was refused. */
  refused(reason: RefusalReason): void {
    this.pacer.refuse();
    this.metrics.refused(reason);
  }

  /** Runs `store` (store the message and queue its turn) counted in the backlog. */
  async whileStoring<T>(store: () => Promise<T>): Promise<T> {
    this.pacer.admit();
    this.storing++;
    try {
      return await store();
    } finally {
      this.storing--;
    }
  }

  /** The hint for a send that found no free database connection (see isPoolCheckoutTimeout). */
  poolHint(): number {
    return retryHint(Math.max(this.turns.backlog().medianMs, this.pacer.paceMs(), 1_000));
  }
}

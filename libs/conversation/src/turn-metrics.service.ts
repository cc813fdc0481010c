import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of the chat server. One registry per app instance (tests boot several in one process). */
@Injectable()
export class TurnMetrics {
  readonly registry = new Registry();
  private readonly turns = new Counter({ name: 'parley_turns_total', help: 'Bot turns by route', labelNames: ['route'], registers: [this.registry] });
  private readonly nluLatency = new Histogram({
    name: 'parley_nlu_latency_seconds',
    help: 'NLU parse latency',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  private readonly replyLatency = new Histogram({
    name: 'parley_reply_latency_seconds',
    help: 'Inbound committed → reply committed',
    buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly turnPaths = new Counter({
    name: 'parley_turn_path_total',
    help: 'Turns by path: unlocked (reply stored in one statement, the state known), unlocked_refused (something came in between: a locked turn follows), locked (a locked turn ran, with or without a message to answer)',
    labelNames: ['path'],
    registers: [this.registry],
  });
  private readonly nluErrors = new Counter({ name: 'parley_nlu_errors_total', help: 'NLU failures answered by the fallback', registers: [this.registry] });
  private readonly refusals = new Counter({
    name: 'parley_admission_refused_total',
    help: 'message:send refused with BUSY (nothing stored) by reason: backlog, queue_age, pool',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly fulfillments = new Counter({
    name: 'parley_fulfillment_calls_total',
    help: 'Fulfillment webhook calls by outcome: ok, timeout, network, http_status, invalid_response (all but ok answer with the template text)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly fulfillmentLatency = new Histogram({
    name: 'parley_fulfillment_latency_seconds',
    help: 'Fulfillment webhook call latency, failures included',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private backlogSource: (() => { pending: number; oldestMs: number }) | null = null;
  private readonly backlog: Gauge = new Gauge({
    name: 'parley_turn_backlog',
    help: 'Turns accepted by this instance and not answered yet (admission control counts these)',
    registers: [this.registry],
    collect: (): void => {
      if (this.backlogSource) this.backlog.set(this.backlogSource().pending);
    },
  });
  private readonly oldestWait: Gauge = new Gauge({
    name: 'parley_turn_oldest_wait_seconds',
    help: 'How long the oldest unanswered turn of this instance has waited',
    registers: [this.registry],
    collect: (): void => {
      if (this.backlogSource) this.oldestWait.set(this.backlogSource().oldestMs / 1000);
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  turn(route: string, nluMs: number | null, replyMs: number): void {
    this.turns.inc({ route });
    if (nluMs !== null) this.nluLatency.observe(nluMs / 1000);
    this.replyLatency.observe(replyMs / 1000);
  }

  /** A turn's way to its reply (see TurnService.answerPending); `locked` is counted per locked turn run. */
  turnPath(path: 'unlocked' | 'unlocked_refused' | 'locked'): void {
    this.turnPaths.inc({ path });
  }

  fulfillment(outcome: string, ms: number): void {
    this.fulfillments.inc({ outcome });
    this.fulfillmentLatency.observe(ms / 1000);
  }

  nluFailed(): void {
    this.nluErrors.inc();
  }

  refused(reason: string): void {
    this.refusals.inc({ reason });
  }

  /** The backlog gauges read `source` when scraped (admission control owns the figure). */
  watchBacklog(source: () => { pending: number; oldestMs: number }): void {
    this.backlogSource = source;
  }
}

import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

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
  private readonly nluErrors = new Counter({ name: 'parley_nlu_errors_total', help: 'NLU failures answered by the fallback', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  turn(route: string, nluMs: number | null, replyMs: number): void {
    this.turns.inc({ route });
    if (nluMs !== null) this.nluLatency.observe(nluMs / 1000);
    this.replyLatency.observe(replyMs / 1000);
  }

  nluFailed(): void {
    this.nluErrors.inc();
  }
}

import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Counter, Gauge } from 'prom-client';
import { TurnMetrics } from '@app/conversation';
import { NluService } from '@app/nlu';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher.service';

/** Prometheus scrape endpoint. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: TurnMetrics,
    nlu: NluService,
    webhooks: WebhookDispatcher,
  ) {
    // The NLU's worker figures are read at scrape time from NluService (the nlu lib carries no metrics registry).
    const registers = [metrics.registry];
    new Gauge({
      name: 'parley_nlu_workers_alive',
      help: 'Inference worker threads able to take a batch (a crashed one counts again once replaced)',
      registers,
      collect() {
        this.set(nlu.stats?.workers?.alive ?? 0);
      },
    });
    new Counter({
      name: 'parley_nlu_worker_failures_total',
      help: 'Inference workers that crashed (reason=crash) or missed the batch deadline (reason=timeout) and were replaced',
      labelNames: ['reason'],
      registers,
      collect() {
        const w = nlu.stats?.workers;
        this.reset();
        this.inc({ reason: 'crash' }, w?.crashes ?? 0);
        this.inc({ reason: 'timeout' }, w?.timeouts ?? 0);
      },
    });
    new Counter({
      name: 'parley_webhook_attempts_total',
      help: 'Event webhook attempts made by this instance: delivered (2xx), retry (failed, tried again later), failed (the last attempt failed)',
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset();
        this.inc({ outcome: 'delivered' }, webhooks.stats.delivered);
        this.inc({ outcome: 'retry' }, webhooks.stats.retried);
        this.inc({ outcome: 'failed' }, webhooks.stats.failed);
      },
    });
  }

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

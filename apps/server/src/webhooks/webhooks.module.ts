import { Module } from '@nestjs/common';
import { EventOutbox } from './event-outbox';
import { WebhookDispatcher } from './webhook-dispatcher.service';
import { WebhooksController } from './webhooks.controller';

/** The outbound event webhook (docs/webhooks.md): its outbox, the dispatcher that sends it, and the admin API. */
@Module({
  providers: [EventOutbox, WebhookDispatcher],
  controllers: [WebhooksController],
  exports: [EventOutbox, WebhookDispatcher],
})
export class WebhooksModule {}

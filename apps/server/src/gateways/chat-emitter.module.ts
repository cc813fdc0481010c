import { Module } from '@nestjs/common';
import { ChatEmitter } from '@app/conversation';
import { EventOutbox } from '../webhooks/event-outbox';
import { WebhookChatEmitter } from '../webhooks/webhook-chat-emitter';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { SocketChatEmitter } from './socket-chat-emitter';

/** The app's ChatEmitter: the sockets, and with the event webhook on, its outbox too. */
@Module({
  imports: [WebhooksModule],
  providers: [
    SocketChatEmitter,
    {
      provide: ChatEmitter,
      inject: [SocketChatEmitter, EventOutbox],
      useFactory: (sockets: SocketChatEmitter, outbox: EventOutbox): ChatEmitter => (outbox.enabled ? new WebhookChatEmitter(sockets, outbox) : sockets),
    },
  ],
  exports: [SocketChatEmitter, ChatEmitter, WebhooksModule],
})
export class ChatEmitterModule {}

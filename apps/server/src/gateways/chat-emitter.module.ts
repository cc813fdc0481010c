import { Module } from '@nestjs/common';
import { ChatEmitter } from '@app/conversation';
import { SocketChatEmitter } from './socket-chat-emitter';

@Module({
  providers: [SocketChatEmitter, { provide: ChatEmitter, useExisting: SocketChatEmitter }],
  exports: [SocketChatEmitter, ChatEmitter],
})
export class ChatEmitterModule {}

import { Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import { BotReply, ChatEvent, ClientToServerEvents, conversationRoom, HandoffQueued, ServerToClientEvents, TypingEvent } from '@app/contracts';
import { ChatEmitter } from '@app/conversation';

export type WidgetNamespace = Namespace<ClientToServerEvents, ServerToClientEvents>;

/** {@link ChatEmitter} over the `/widget` namespace: every socket of a conversation is in its room. */
@Injectable()
export class SocketChatEmitter extends ChatEmitter {
  private namespace: WidgetNamespace | null = null;

  attach(namespace: WidgetNamespace): void {
    this.namespace = namespace;
  }

  botReply(conversationId: string, reply: BotReply): void {
    this.namespace?.to(conversationRoom(conversationId)).emit(ChatEvent.BotReply, reply);
  }

  handoffQueued(conversationId: string, event: HandoffQueued): void {
    this.namespace?.to(conversationRoom(conversationId)).emit(ChatEvent.HandoffQueued, event);
  }

  typing(conversationId: string, state: 'start' | 'stop', event: TypingEvent, exceptSocketId?: string): void {
    const room = this.namespace?.to(conversationRoom(conversationId));
    const target = exceptSocketId ? room?.except(exceptSocketId) : room;
    target?.emit(state === 'start' ? ChatEvent.TypingStart : ChatEvent.TypingStop, event);
  }
}

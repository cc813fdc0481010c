import type { BotReply, HandoffQueued, TypingEvent } from '@app/contracts';

/**
 * Server push, by conversation. Implemented by the gateway over socket.io rooms; services never touch
 * the socket.io `Server`.
 */
export abstract class ChatEmitter {
  abstract botReply(conversationId: string, reply: BotReply): void;
  abstract handoffQueued(conversationId: string, event: HandoffQueued): void;
  /** Relays a typing indicator to the other sockets of the conversation. */
  abstract typing(conversationId: string, state: 'start' | 'stop', event: TypingEvent, exceptSocketId?: string): void;
}

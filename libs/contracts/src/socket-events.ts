import { AckCallback } from './ack';
import type { ConversationStatusEvent } from './agent';
import {
  AgentMessage,
  BotReply,
  ContactPayload,
  ContactResult,
  ConversationContact,
  CsatPayload,
  CsatResult,
  FeedbackPayload,
  FeedbackResult,
  HandoffQueued,
  HandoffRequestPayload,
  HandoffRequestResult,
  SendMessagePayload,
  SendMessageResult,
  StartConversationPayload,
  StartConversationResult,
  TypingEvent,
} from './chat.types';
import { ErrorBody } from './error-codes';

/** socket.io namespace of the customer widget. */
export const WIDGET_NAMESPACE = '/widget';

/** Event names, `domain:verb`. */
export const ChatEvent = {
  ConversationStart: 'conversation:start',
  MessageSend: 'message:send',
  BotReply: 'bot:reply',
  AgentMessage: 'agent:message',
  TypingStart: 'typing:start',
  TypingStop: 'typing:stop',
  HandoffRequest: 'handoff:request',
  HandoffQueued: 'handoff:queued',
  ConversationStatus: 'conversation:status',
  FeedbackSend: 'feedback:send',
  CsatSend: 'csat:send',
  ContactSend: 'contact:send',
  ConversationContact: 'conversation:contact',
  Error: 'error',
} as const;

/** What the widget sends. Every event takes an optional ack callback. */
export interface ClientToServerEvents {
  'conversation:start': (payload: StartConversationPayload, ack?: AckCallback<StartConversationResult>) => void;
  'message:send': (payload: SendMessagePayload, ack?: AckCallback<SendMessageResult>) => void;
  'typing:start': (payload?: Record<string, never>, ack?: AckCallback<{ ok: true }>) => void;
  'typing:stop': (payload?: Record<string, never>, ack?: AckCallback<{ ok: true }>) => void;
  'handoff:request': (payload: HandoffRequestPayload, ack?: AckCallback<HandoffRequestResult>) => void;
  'feedback:send': (payload: FeedbackPayload, ack?: AckCallback<FeedbackResult>) => void;
  'csat:send': (payload: CsatPayload, ack?: AckCallback<CsatResult>) => void;
  'contact:send': (payload: ContactPayload, ack?: AckCallback<ContactResult>) => void;
}

/** What the server pushes to the widget. */
export interface ServerToClientEvents {
  'bot:reply': (reply: BotReply) => void;
  'agent:message': (message: AgentMessage) => void;
  'typing:start': (event: TypingEvent) => void;
  'typing:stop': (event: TypingEvent) => void;
  'handoff:queued': (event: HandoffQueued) => void;
  /** An agent took the conversation (`agent`) or gave it back to the bot (`bot`). */
  'conversation:status': (event: ConversationStatusEvent) => void;
  /** The customer left an email for the answer (from another tab, or this one). */
  'conversation:contact': (event: ConversationContact) => void;
  error: (error: ErrorBody) => void;
}

/** The room every socket of one conversation joins. */
export const conversationRoom = (conversationId: string): string => `conversation:${conversationId}`;

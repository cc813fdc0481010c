import type { BotReply, MessageView } from '@app/contracts';
import type { MessageEntity } from '@app/database';

export function toMessageView(m: MessageEntity): MessageView {
  return {
    messageId: m.id,
    seq: m.seq,
    direction: m.direction,
    author: m.author,
    text: m.text,
    clientMessageId: m.clientMessageId,
    replyTo: m.replyToId,
    route: m.route,
    intent: m.intent,
    confidence: m.confidence,
    ...(m.sources && m.sources.length ? { sources: m.sources } : {}),
    ...(m.suggestions && m.suggestions.length ? { suggestions: m.suggestions } : {}),
    createdAt: m.createdAt.toISOString(),
  };
}

export function toBotReply(m: MessageEntity): BotReply {
  return {
    messageId: m.id,
    seq: m.seq,
    replyTo: m.replyToId ?? '',
    text: m.text,
    route: m.route ?? 'fallback',
    intent: m.intent,
    confidence: m.confidence,
    entities: m.entities ?? [],
    ...(m.sources && m.sources.length ? { sources: m.sources } : {}),
    ...(m.suggestions && m.suggestions.length ? { suggestions: m.suggestions } : {}),
    ...(m.modelVersion ? { modelVersion: m.modelVersion } : {}),
    createdAt: m.createdAt.toISOString(),
  };
}

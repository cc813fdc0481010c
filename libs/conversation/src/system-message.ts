import { EntityManager } from 'typeorm';
import type { MessageView, Suggestion } from '@app/contracts';
import { ConversationRepository, MessageRepository } from '@app/database';
import { toMessageView } from './message-view';

/**
 * Stores a system message (a note to the customer about the conversation itself: a person joins, the bot is back, an
 * email was noted) as the conversation's next message. Call inside the transaction that holds the conversation lock.
 */
export async function appendSystemMessage(
  m: EntityManager,
  conversations: ConversationRepository,
  messages: MessageRepository,
  conversationId: string,
  text: string,
  buttons: readonly Suggestion[] | null = null,
): Promise<MessageView> {
  const seq = await conversations.nextSeq(m, conversationId);
  return toMessageView(await messages.insert(m, { conversationId, seq, direction: 'out', author: 'system', text, suggestions: buttons ? [...buttons] : null }));
}

import { Injectable, Logger } from '@nestjs/common';
import { ContactResult, ConversationClosedError, ConversationNotFoundError } from '@app/contracts';
import { ConversationRepository, MessageRepository, TransactionService } from '@app/database';
import { ChatEmitter } from './chat-emitter';
import { appendSystemMessage } from './system-message';

export const contactNotedText = (email: string) => `Thanks! We'll also send the answer to ${email}.`;

/**
 * Offline follow-up, as Chatwoot's email collect box: when nobody can answer now (outside business hours, or no agent
 * online) the handoff message offers an email field; the address the customer leaves is kept on the conversation
 * (not verified: the visitor typed it), shown to agents, and sent with the conversation's webhook events so the
 * operator's systems can mail the answer to a customer who has left.
 */
@Injectable()
export class ContactService {
  private readonly logger = new Logger('Contact');

  constructor(
    private readonly conversations: ConversationRepository,
    private readonly messages: MessageRepository,
    private readonly tx: TransactionService,
    private readonly emitter: ChatEmitter,
  ) {}

  /** Stores `email` (trimmed, domain lower-cased); the same address again changes nothing (message: null). */
  async leave(conversationId: string, email: string): Promise<ContactResult> {
    const address = normaliseEmail(email);
    const message = await this.tx.run(async (m) => {
      const conversation = await this.conversations.lockForUpdate(m, conversationId);
      if (!conversation) throw new ConversationNotFoundError();
      if (conversation.status === 'closed') throw new ConversationClosedError();
      if (conversation.contactEmail === address) return null;
      await this.conversations.setContactEmail(m, conversationId, address);
      return appendSystemMessage(m, this.conversations, this.messages, conversationId, contactNotedText(address));
    });
    if (message) {
      this.emitter.contactLeft(conversationId, { conversationId, email: address, message });
      // Never the address itself (personal data).
      this.logger.log({ event: 'contact.left', conversationId });
    }
    return { email: address, message };
  }
}

/** `  Ann@Example.COM ` → `Ann@example.com`: the domain is case-insensitive, the local part may not be. */
export function normaliseEmail(email: string): string {
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf('@');
  return at < 0 ? trimmed : trimmed.slice(0, at) + trimmed.slice(at).toLowerCase();
}

import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { BotReply, ContactResult, CsatPayload, CsatResult, CustomerIdentity, RestHistoryResult, RestSendResult, SendMessagePayload } from '@app/contracts';
import { ConversationRepository, MessageRepository } from '@app/database';
import { ConversationService } from './conversation.service';
import { CsatService } from './csat.service';
import { ContactService } from './contact.service';
import { checkMessageText } from './message-text';
import { toBotReply } from './message-view';
import { TurnService } from './turn.service';

/**
 * The REST channel (like Rasa's REST input channel or Botpress's converse API): a message in, the bot's reply out,
 * in one request, for clients without socket.io. Storage, deduplication by `clientMessageId`, admission control
 * (BUSY), the turn and the reply are the widget's own; only the transport differs. The conversation token travels
 * in a header, never in a URL.
 */
@Injectable()
export class RestChannelService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly conversations: ConversationService,
    private readonly rows: ConversationRepository,
    private readonly messages: MessageRepository,
    private readonly turns: TurnService,
    private readonly csat: CsatService,
    private readonly contact: ContactService,
  ) {}

  /** The email the customer leaves for an answer (the widget's `contact:send`). */
  async leaveContact(token: string, email: string): Promise<ContactResult> {
    const conversation = await this.conversations.authenticate(token);
    return this.contact.leave(conversation.id, email);
  }

  /** The customer's rating of the person who helped (the widget's `csat:send`). */
  async rate(token: string, payload: CsatPayload): Promise<CsatResult> {
    const conversation = await this.conversations.authenticate(token);
    return this.csat.rate(conversation.id, payload);
  }

  /**
   * Stores the message (starting a conversation when there is no token) and waits for the bot's reply to it. With
   * `identity`, the conversation is the signed-in customer's (see ConversationService.start).
   */
  async send(token: string | undefined, payload: SendMessagePayload, identity?: CustomerIdentity): Promise<RestSendResult> {
    // A first message is checked before a conversation is started for it; receive() checks every other one.
    if (token === undefined) checkMessageText(payload.text, payload.clientMessageId, this.config.chat.maxMessageChars);
    const started = token === undefined ? await this.conversations.start(identity ? { identity } : {}) : null;
    const existing = started ? null : await this.conversations.authenticate(token!);
    if (existing && identity) await this.conversations.identify(existing, identity);
    const conversationId = started?.conversationId ?? existing!.id;
    // The bot does not answer a message sent while a person has the conversation: no reply to wait for.
    const botAnswers = (started?.status ?? existing!.status) === 'bot';
    const ack = await this.conversations.receive(conversationId, payload);
    const reply = await this.reply(ack.messageId, ack.duplicate, botAnswers);
    const status = (await this.rows.findById(conversationId))?.status ?? 'closed';
    return { conversationId, ...(started?.token ? { conversationToken: started.token } : {}), ...ack, status, reply };
  }

  /** The messages after `afterSeq` (agents' messages, replies that came late) and the status. */
  async history(token: string, afterSeq: number): Promise<RestHistoryResult> {
    const { conversationId, status, lastSeq, messages } = await this.conversations.start({ token, lastSeq: afterSeq });
    return { conversationId, status, lastSeq, messages };
  }

  /**
   * The reply as this instance delivers it (with its buttons); a resend's reply, or one another instance sent, from
   * the database (without buttons, which are not stored). None while a person has the conversation.
   */
  private async reply(messageId: string, duplicate: boolean, botAnswers: boolean): Promise<BotReply | null> {
    const stored = async () => {
      const row = await this.messages.findReplyTo(messageId);
      return row ? toBotReply(row) : null;
    };
    if (!botAnswers) return duplicate ? stored() : null;
    // Registered right after the commit, before the turn (queued behind an NLU call and a write) can deliver.
    const delivered = this.turns.replyTo(messageId, this.config.chat.restReplyWaitMs);
    if (duplicate) {
      const already = await stored();
      if (already) return already;
    }
    return (await delivered) ?? (await stored());
  }
}

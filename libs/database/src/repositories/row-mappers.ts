import type { CustomerView } from '@app/contracts';
import { ConversationEntity } from '../entities/conversation.entity';
import { MessageEntity } from '../entities/message.entity';
import { SlotStateEntity } from '../entities/slot-state.entity';

/* Raw SQL rows (snake_case) → entity objects. The hot paths use raw SQL with RETURNING: one round trip
 * per statement, which matters on the embedded single-session PGlite. */

type Row = Record<string, any>;

export function toConversation(r: Row): ConversationEntity {
  return Object.assign(new ConversationEntity(), {
    id: r.id,
    tokenHash: r.token_hash,
    status: r.status,
    lastSeq: Number(r.last_seq),
    locale: r.locale ?? null,
    metadata: r.metadata ?? {},
    customerId: r.customer_id ?? null,
    customerName: r.customer_name ?? null,
    customerEmail: r.customer_email ?? null,
    contactEmail: r.contact_email ?? null,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    assignedAgentId: r.assigned_agent_id ?? null,
    handoffRequestedAt: r.handoff_requested_at ? new Date(r.handoff_requested_at) : null,
    botSinceSeq: Number(r.bot_since_seq ?? 0),
    lastCustomerSeq: Number(r.last_customer_seq ?? 0),
    answeredSeq: Number(r.answered_seq ?? 0),
  });
}

export function toMessage(r: Row): MessageEntity {
  return Object.assign(new MessageEntity(), {
    id: r.id,
    conversationId: r.conversation_id,
    seq: Number(r.seq),
    direction: r.direction,
    author: r.author,
    clientMessageId: r.client_message_id ?? null,
    replyToId: r.reply_to_id ?? null,
    text: r.text,
    route: r.route ?? null,
    intent: r.intent ?? null,
    confidence: r.confidence ?? null,
    ranking: r.ranking ?? null,
    entities: r.entities ?? null,
    modelVersion: r.model_version ?? null,
    nluLatencyMs: r.nlu_latency_ms ?? null,
    replyLatencyMs: r.reply_latency_ms ?? null,
    sources: r.sources ?? null,
    suggestions: r.suggestions ?? null,
    createdAt: new Date(r.created_at),
    agentId: r.agent_id ?? null,
  });
}

export function toSlotState(r: Row): SlotStateEntity {
  return Object.assign(new SlotStateEntity(), {
    conversationId: r.conversation_id,
    intent: r.intent,
    templateId: r.template_id ?? null,
    filled: r.filled ?? {},
    missing: r.missing ?? [],
    asked: r.asked,
    expiresAt: new Date(r.expires_at),
    updatedAt: new Date(r.updated_at),
  });
}

/** The identified customer of a row that selected the conversation's `customer_*` columns, or null (anonymous). */
export function toCustomer(r: Row): CustomerView | null {
  return r.customer_id ? { id: r.customer_id, name: r.customer_name ?? null, email: r.customer_email ?? null } : null;
}

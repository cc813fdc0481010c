import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ConversationStatus } from '@app/contracts';
import { AppUserEntity } from './app-user.entity';

@Entity('conversation')
@Index('IDX_conversation_updated_at', ['updatedAt', 'id'])
@Index('IDX_conversation_owed', ['updatedAt'], { where: `"status" = 'bot' AND "last_customer_seq" > "answered_seq"` })
@Index('IDX_conversation_handoff', ['handoffRequestedAt'], { where: `"status" IN ('handoff_requested', 'agent')` })
@Index('IDX_conversation_closed', ['updatedAt'], { where: `"status" = 'closed'` })
@Index('IDX_conversation_open_idle', ['updatedAt'], { where: `"status" <> 'closed'` })
@Index('IDX_conversation_customer', ['customerId'], { where: `"customer_id" IS NOT NULL` })
@Check('CHK_conversation_status', `"status" IN ('bot', 'handoff_requested', 'agent', 'closed')`)
export class ConversationEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** sha256 (hex) of the widget's secret conversation token; the token itself is never stored. */
  @Column({ name: 'token_hash', type: 'text', unique: true })
  tokenHash: string;

  @Column({ type: 'text', default: 'bot' })
  status: ConversationStatus;

  @Column({ name: 'last_seq', type: 'int', default: 0 })
  lastSeq: number;

  @Column({ type: 'text', nullable: true })
  locale: string | null;

  @Column({ type: 'jsonb', default: {} })
  metadata: Record<string, unknown>;

  /** The signed-in customer's id on the operator's site, verified (WIDGET_IDENTITY_SECRET); null: anonymous. */
  @Column({ name: 'customer_id', type: 'text', nullable: true })
  customerId: string | null;

  @Column({ name: 'customer_name', type: 'text', nullable: true })
  customerName: string | null;

  @Column({ name: 'customer_email', type: 'text', nullable: true })
  customerEmail: string | null;

  /** The email the customer left for an answer when nobody could reply at once (not verified); null: none. */
  @Column({ name: 'contact_email', type: 'text', nullable: true })
  contactEmail: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** The agent who took the handed-off conversation (status `agent`). */
  @Column({ name: 'assigned_agent_id', type: 'uuid', nullable: true })
  assignedAgentId: string | null;

  @ManyToOne(() => AppUserEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'assigned_agent_id', foreignKeyConstraintName: 'FK_conversation_assigned_agent' })
  assignedAgent?: AppUserEntity;

  /** When the customer last asked for a human (orders the handoff queue). */
  @Column({ name: 'handoff_requested_at', type: 'timestamptz', nullable: true })
  handoffRequestedAt: Date | null;

  /** Customer messages up to this seq were meant for humans: the bot, given the conversation back, skips them. */
  @Column({ name: 'bot_since_seq', type: 'int', default: 0 })
  botSinceSeq: number;

  /** The seq of the newest customer message (0: none yet). */
  @Column({ name: 'last_customer_seq', type: 'int', default: 0 })
  lastCustomerSeq: number;

  /**
   * The seq of the newest customer message the bot answered, or passed over when a human gave the conversation back:
   * while the bot has the conversation, `lastCustomerSeq > answeredSeq` means it owes a reply (the sweeper's index).
   */
  @Column({ name: 'answered_seq', type: 'int', default: 0 })
  answeredSeq: number;
}

/**
 * Whether the bot owes this conversation a reply: it has the conversation and a customer message is newer than the
 * last one it answered. The same predicate as IDX_conversation_owed and the sweep (FIND_STALLED_SQL), on a loaded row.
 */
export function owesReply(c: Pick<ConversationEntity, 'status' | 'lastCustomerSeq' | 'answeredSeq'>): boolean {
  return c.status === 'bot' && c.lastCustomerSeq > c.answeredSeq;
}

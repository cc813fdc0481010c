import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ConversationEntity } from './conversation.entity';

/**
 * One event for the outbound event webhook (EVENT_WEBHOOK_URL), the outbox it is delivered from (table
 * `webhook_delivery`): pending until a 2xx answer, retried with backoff, `failed` after the last attempt. Erased with
 * its conversation (the payload holds customer text).
 */
@Entity('webhook_delivery')
@Check('CHK_webhook_delivery_status', `"status" IN ('pending', 'delivered', 'failed')`)
@Index('IDX_webhook_delivery_due', ['nextAttemptAt'], { where: `"status" = 'pending'` })
@Index('IDX_webhook_delivery_created', ['createdAt'])
@Index('IDX_webhook_delivery_conversation', ['conversationId'])
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_webhook_delivery' })
  id: string;

  @Column({ type: 'text' })
  event: string;

  /** The conversation it is about; null for `conversation.deleted` (that row is gone). */
  @Column({ name: 'conversation_id', type: 'uuid', nullable: true })
  conversationId: string | null;

  @ManyToOne(() => ConversationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id', foreignKeyConstraintName: 'FK_webhook_delivery_conversation' })
  conversation?: ConversationEntity;

  /** The envelope's `data`. */
  @Column({ type: 'jsonb' })
  payload: unknown;

  @Column({ type: 'text', default: 'pending' })
  status: 'pending' | 'delivered' | 'failed';

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** Due time of the next attempt while pending; while an instance is sending it, the end of that claim. */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt: Date;

  @Column({ name: 'last_status', type: 'integer', nullable: true })
  lastStatus: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  /** When the event happened. */
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;
}

import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { ReviewReason } from '@app/contracts';
import { AppUserEntity } from './app-user.entity';
import { ConversationEntity } from './conversation.entity';
import { MessageEntity } from './message.entity';

export type ReviewStatus = 'pending' | 'confirmed' | 'corrected';

/** A turn queued for agent review; a reviewer's decision writes a training example (libs/review). */
@Entity('review_item')
@Index('IDX_review_item_status_created', ['status', 'createdAt'])
@Check('CHK_review_item_reason', `"reason" IN ('low_confidence', 'fallback', 'thumbs_down', 'flagged')`)
@Check('CHK_review_item_status', `"status" IN ('pending', 'confirmed', 'corrected')`)
export class ReviewItemEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'message_id', type: 'uuid', unique: true })
  messageId: string;

  @ManyToOne(() => MessageEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id', foreignKeyConstraintName: 'FK_review_item_message' })
  message?: MessageEntity;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId: string;

  @ManyToOne(() => ConversationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id', foreignKeyConstraintName: 'FK_review_item_conversation' })
  conversation?: ConversationEntity;

  @Column({ type: 'text' })
  reason: ReviewReason;

  @Column({ type: 'text', default: 'pending' })
  status: ReviewStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** The agent or admin who confirmed or corrected it (null while pending, or after the account is deleted). */
  @Column({ name: 'decided_by', type: 'uuid', nullable: true })
  decidedBy: string | null;

  @ManyToOne(() => AppUserEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'decided_by', foreignKeyConstraintName: 'FK_review_item_decided_by' })
  decider?: AppUserEntity;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;
}

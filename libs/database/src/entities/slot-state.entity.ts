import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { ConversationEntity } from './conversation.entity';

/** A filled slot: the text the customer typed and its normalised value (see `EntityValue`). */
export interface FilledSlot {
  text: string;
  value?: unknown;
}

/** The open slot-filling exchange of a conversation (at most one). */
@Entity('slot_state')
export class SlotStateEntity {
  @PrimaryColumn({ name: 'conversation_id', type: 'uuid' })
  conversationId: string;

  @OneToOne(() => ConversationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id', foreignKeyConstraintName: 'FK_slot_state_conversation' })
  conversation?: ConversationEntity;

  @Column({ type: 'text' })
  intent: string;

  @Column({ name: 'template_id', type: 'uuid', nullable: true })
  templateId: string | null;

  @Column({ type: 'jsonb', default: {} })
  filled: Record<string, FilledSlot>;

  @Column({ type: 'jsonb', default: [] })
  missing: string[];

  /** The entity label the last prompt asked for. */
  @Column({ type: 'text' })
  asked: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ConversationStatus } from '@app/contracts';

@Entity('conversation')
@Index('IDX_conversation_updated_at', ['updatedAt', 'id'])
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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

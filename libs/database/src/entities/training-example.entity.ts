import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { EntitySpan, TrainingExampleSource } from '@app/contracts';
import { AppUserEntity } from './app-user.entity';
import { MessageEntity } from './message.entity';

/**
 * A labelled utterance for retraining: from a review decision (one per reviewed customer message; a
 * re-review updates it), an imported transcript or a file import.
 */
@Entity('training_example')
@Check('CHK_training_example_source', `"source" IN ('review', 'transcript', 'import')`)
@Index('UQ_training_example_message_id', ['messageId'], { unique: true, where: '"message_id" IS NOT NULL' })
@Index('IDX_training_example_updated', ['updatedAt', 'id'])
export class TrainingExampleEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_training_example' })
  id: string;

  @Column({ type: 'text' })
  text: string;

  @Column({ type: 'text' })
  intent: string;

  /** `[{ start, end, label }]`: character offsets into `text`, end exclusive. */
  @Column({ type: 'jsonb', default: [] })
  entities: EntitySpan[];

  @Column({ type: 'text' })
  source: TrainingExampleSource;

  @Column({ name: 'message_id', type: 'uuid', nullable: true })
  messageId: string | null;

  @ManyToOne(() => MessageEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'message_id', foreignKeyConstraintName: 'FK_training_example_message' })
  message?: MessageEntity;

  /** No foreign key: a transcript's conversation may not exist here, and labels outlive deleted chats. */
  @Column({ name: 'conversation_id', type: 'uuid', nullable: true })
  conversationId: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @ManyToOne(() => AppUserEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'created_by', foreignKeyConstraintName: 'FK_training_example_created_by' })
  creator?: AppUserEntity;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { AppUserEntity } from './app-user.entity';
import { ConversationEntity } from './conversation.entity';

/**
 * An agent's private note on a conversation (table `conversation_note`), as in Chatwoot: for the other agents (what was
 * promised, what to check), never shown or sent to the customer. Kept apart from `message`, so no customer-facing
 * path (widget history, REST channel, webhooks) can carry one. Erased with the conversation.
 */
@Entity('conversation_note')
@Index('IDX_conversation_note_conversation', ['conversationId', 'createdAt'])
export class ConversationNoteEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_conversation_note' })
  id: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId: string;

  @ManyToOne(() => ConversationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id', foreignKeyConstraintName: 'FK_conversation_note_conversation' })
  conversation?: ConversationEntity;

  @Column({ name: 'author_id', type: 'uuid', nullable: true })
  authorId: string | null;

  @ManyToOne(() => AppUserEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'author_id', foreignKeyConstraintName: 'FK_conversation_note_author' })
  author?: AppUserEntity;

  @Column({ type: 'text' })
  text: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

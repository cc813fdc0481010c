import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { AppUserEntity } from './app-user.entity';
import { ConversationEntity } from './conversation.entity';

/** A customer's 1–5 rating of the person who helped, one per handoff (table `csat_response`). */
@Entity('csat_response')
@Check('CHK_csat_response_rating', `"rating" BETWEEN 1 AND 5`)
@Unique('UQ_csat_response_episode', ['conversationId', 'episodeSeq'])
@Index('IDX_csat_response_created', ['createdAt'])
export class CsatResponseEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_csat_response' })
  id: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId: string;

  @ManyToOne(() => ConversationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id', foreignKeyConstraintName: 'FK_csat_response_conversation' })
  conversation?: ConversationEntity;

  /** The conversation's `bot_since_seq` when the agent gave it back: which handoff this rates. */
  @Column({ name: 'episode_seq', type: 'integer' })
  episodeSeq: number;

  /** The agent who last wrote to the customer in that handoff. */
  @Column({ name: 'agent_id', type: 'uuid', nullable: true })
  agentId: string | null;

  @ManyToOne(() => AppUserEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'agent_id', foreignKeyConstraintName: 'FK_csat_response_agent' })
  agent?: AppUserEntity;

  @Column({ type: 'smallint' })
  rating: number;

  @Column({ type: 'text', nullable: true })
  comment: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

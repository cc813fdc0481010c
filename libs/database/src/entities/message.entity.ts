import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { Entity as NluEntity, IntentScore, MessageAuthor, MessageDirection, ReplyRoute, ReplySource, Suggestion } from '@app/contracts';
import { AppUserEntity } from './app-user.entity';
import { ConversationEntity } from './conversation.entity';

@Entity('message')
@Check('CHK_message_direction', `"direction" IN ('in', 'out')`)
@Check('CHK_message_author', `"author" IN ('customer', 'bot', 'agent', 'system')`)
@Check('CHK_message_route', `"route" IS NULL OR "route" IN ('template', 'retrieval', 'fallback', 'agent', 'slot_prompt')`)
@Index('UQ_message_conversation_seq', ['conversationId', 'seq'], { unique: true })
@Index('UQ_message_conversation_client_message_id', ['conversationId', 'clientMessageId'], {
  unique: true,
  where: '"client_message_id" IS NOT NULL',
})
@Index('UQ_message_bot_reply_to', ['replyToId'], { unique: true, where: `"author" = 'bot'` })
export class MessageEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId: string;

  @ManyToOne(() => ConversationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id', foreignKeyConstraintName: 'FK_message_conversation' })
  conversation?: ConversationEntity;

  @Column({ type: 'int' })
  seq: number;

  @Column({ type: 'text' })
  direction: MessageDirection;

  @Column({ type: 'text' })
  author: MessageAuthor;

  @Column({ name: 'client_message_id', type: 'text', nullable: true })
  clientMessageId: string | null;

  /** The inbound message a reply answers. */
  @Column({ name: 'reply_to_id', type: 'uuid', nullable: true })
  replyToId: string | null;

  @Column({ type: 'text' })
  text: string;

  @Column({ type: 'text', nullable: true })
  route: ReplyRoute | null;

  @Column({ type: 'text', nullable: true })
  intent: string | null;

  @Column({ type: 'real', nullable: true })
  confidence: number | null;

  @Column({ type: 'jsonb', nullable: true })
  ranking: IntentScore[] | null;

  @Column({ type: 'jsonb', nullable: true })
  entities: NluEntity[] | null;

  @Column({ name: 'model_version', type: 'text', nullable: true })
  modelVersion: string | null;

  @Column({ name: 'nlu_latency_ms', type: 'real', nullable: true })
  nluLatencyMs: number | null;

  @Column({ name: 'reply_latency_ms', type: 'real', nullable: true })
  replyLatencyMs: number | null;

  @Column({ type: 'jsonb', nullable: true })
  sources: ReplySource[] | null;

  /** A bot reply's buttons, shown again with the reply in history. */
  @Column({ type: 'jsonb', nullable: true })
  suggestions: Suggestion[] | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** The agent who wrote an `author = 'agent'` message. */
  @Column({ name: 'agent_id', type: 'uuid', nullable: true })
  agentId: string | null;

  @ManyToOne(() => AppUserEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'agent_id', foreignKeyConstraintName: 'FK_message_agent' })
  agent?: AppUserEntity;
}

import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type ContentSource = 'bitext' | 'abcd' | 'parley' | 'user' | 'import';
/** Where a template came from: derived from Bitext, written for Parley (small talk), a user's edit, an import. */
export type TemplateSource = 'bitext' | 'parley' | 'user' | 'import';

/** Reply texts for one intent, with `{{slot}}` and `{{company.key}}` placeholders (table `answer_template`). */
@Entity({ name: 'answer_template' })
@Check('CHK_answer_template_source', `"source" IN ('bitext', 'parley', 'user', 'import')`)
export class AnswerTemplate {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('IDX_answer_template_intent')
  @Column({ type: 'text' })
  intent: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'jsonb' })
  variants: string[];

  /** Entity labels the answer needs; an entry may list alternatives as `invoice_id|person_name`. */
  @Column({ name: 'required_entities', type: 'jsonb', default: () => "'[]'" })
  requiredEntities: string[];

  /** Requirement → question asking for it. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  prompts: Record<string, string>;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  /** Answer through the fulfillment webhook (FULFILLMENT_URL) once the required entities are filled; `variants` are then its fallback. */
  @Column({ type: 'boolean', default: false })
  webhook: boolean;

  @Column({ type: 'text' })
  source: TemplateSource;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

/**
 * A saved reply an agent inserts by its short code (`/refund` in the console's reply box): the text an agent would
 * otherwise type again for every customer (table `canned_response`). Shared by every agent; admins edit them.
 */
@Entity('canned_response')
@Unique('UQ_canned_response_short_code', ['shortCode'])
@Check('CHK_canned_response_short_code', `"short_code" ~ '^[a-z0-9][a-z0-9_-]{0,39}$'`)
export class CannedResponseEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_canned_response' })
  id: string;

  /** What the agent types after `/`: lower case letters, digits, `_` and `-`, at most 40. */
  @Column({ name: 'short_code', type: 'text' })
  shortCode: string;

  @Column({ type: 'text' })
  title: string;

  /** The reply; `{{company.<key>}}` and `{{agent.name}}` are filled in when an agent inserts it. */
  @Column({ type: 'text' })
  text: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import type { UserRole } from '@app/contracts';

/** An agent or admin account. Emails are stored lower-cased; the password only as a scrypt hash. */
@Entity('app_user')
@Unique('UQ_app_user_email', ['email'])
@Check('CHK_app_user_role', `"role" IN ('agent', 'admin')`)
@Check('CHK_app_user_email_lower', `"email" = lower("email")`)
export class AppUserEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_app_user' })
  id: string;

  @Column({ type: 'text' })
  email: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  role: UserRole;

  /** `scrypt$N$r$p$salt$hash` (base64url); never leaves the server. */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

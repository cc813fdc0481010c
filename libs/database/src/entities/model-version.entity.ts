import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { GateReport, ModelStatus } from '@app/contracts';
import { AppUserEntity } from './app-user.entity';
import { TrainingJobEntity } from './training-job.entity';

/** One exported model folder known to the registry; at most one is `active` (partial unique index). */
@Entity('model_version')
@Check('CHK_model_version_status', `"status" IN ('candidate', 'active', 'retired', 'failed')`)
@Index('UQ_model_version_active', ['status'], { unique: true, where: `"status" = 'active'` })
export class ModelVersionEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_model_version' })
  id: string;

  /** The manifest's version string. */
  @Column({ type: 'text', unique: true })
  version: string;

  @Column({ type: 'text' })
  name: string;

  /** The model folder (relative to the working directory when it lies inside it). */
  @Column({ type: 'text' })
  dir: string;

  @Column({ type: 'jsonb' })
  manifest: Record<string, unknown>;

  /** The folder's metrics.json (test/dev figures, per-intent scores, confusion). */
  @Column({ type: 'jsonb', nullable: true })
  metrics: Record<string, unknown> | null;

  @Column({ type: 'text', default: 'candidate' })
  status: ModelStatus;

  @Column({ type: 'jsonb', nullable: true })
  gate: GateReport | null;

  /** The version that was active when this one was promoted: where a rollback goes. */
  @Column({ name: 'previous_id', type: 'uuid', nullable: true })
  previousId: string | null;

  @ManyToOne(() => ModelVersionEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'previous_id', foreignKeyConstraintName: 'FK_model_version_previous' })
  previous?: ModelVersionEntity;

  @Column({ name: 'job_id', type: 'uuid', nullable: true })
  jobId: string | null;

  @ManyToOne(() => TrainingJobEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'job_id', foreignKeyConstraintName: 'FK_model_version_job' })
  job?: TrainingJobEntity;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'promoted_at', type: 'timestamptz', nullable: true })
  promotedAt: Date | null;

  @Column({ name: 'promoted_by', type: 'uuid', nullable: true })
  promotedBy: string | null;

  @ManyToOne(() => AppUserEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'promoted_by', foreignKeyConstraintName: 'FK_model_version_promoted_by' })
  promoter?: AppUserEntity;
}

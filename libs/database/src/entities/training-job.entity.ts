import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { JobProgress, JobStatus } from '@app/contracts';
import { AppUserEntity } from './app-user.entity';
import { ModelVersionEntity } from './model-version.entity';

/** A retraining job in the PostgreSQL queue; workers claim `queued` rows with FOR UPDATE SKIP LOCKED. */
@Entity('training_job')
@Check('CHK_training_job_status', `"status" IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')`)
@Index('IDX_training_job_status_created', ['status', 'createdAt'])
export class TrainingJobEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_training_job' })
  id: string;

  @Column({ type: 'text', default: 'queued' })
  status: JobStatus;

  /** Allow-listed config name (training/configs/<name>.toml). */
  @Column({ type: 'text' })
  config: string;

  @Column({ type: 'jsonb', default: {} })
  overrides: Record<string, number>;

  @Column({ name: 'dataset_hash', type: 'text', nullable: true })
  datasetHash: string | null;

  @Column({ name: 'dataset_dir', type: 'text', nullable: true })
  datasetDir: string | null;

  @Column({ type: 'jsonb', default: { phase: 'queued' } })
  progress: JobProgress;

  @Column({ name: 'log_tail', type: 'jsonb', default: [] })
  logTail: string[];

  @Column({ type: 'jsonb', nullable: true })
  error: { code: string; message: string } | null;

  @Column({ name: 'model_version_id', type: 'uuid', nullable: true })
  modelVersionId: string | null;

  @ManyToOne(() => ModelVersionEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'model_version_id', foreignKeyConstraintName: 'FK_training_job_model_version' })
  modelVersion?: ModelVersionEntity;

  @Column({ name: 'cancel_requested', type: 'boolean', default: false })
  cancelRequested: boolean;

  /** Claims so far; a job requeued after a lost worker counts up, and fails past the limit. */
  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @ManyToOne(() => AppUserEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'created_by', foreignKeyConstraintName: 'FK_training_job_created_by' })
  creator?: AppUserEntity;

  @Column({ name: 'worker_id', type: 'text', nullable: true })
  workerId: string | null;

  @Column({ name: 'heartbeat_at', type: 'timestamptz', nullable: true })
  heartbeatAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}

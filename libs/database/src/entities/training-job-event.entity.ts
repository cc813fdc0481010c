import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { JobEventType } from '@app/contracts';
import { TrainingJobEntity } from './training-job.entity';

/** A progress or log line of a job, kept so a late-joining admin page can replay it (`seq` is the cursor). */
@Entity('training_job_event')
@Check('CHK_training_job_event_type', `"type" IN ('status', 'progress', 'log')`)
@Index('IDX_training_job_event_job_seq', ['jobId', 'seq'])
export class TrainingJobEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'PK_training_job_event' })
  seq: string;

  @Column({ name: 'job_id', type: 'uuid' })
  jobId: string;

  @ManyToOne(() => TrainingJobEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id', foreignKeyConstraintName: 'FK_training_job_event_job' })
  job?: TrainingJobEntity;

  @Column({ type: 'text' })
  type: JobEventType;

  @Column({ type: 'jsonb' })
  data: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

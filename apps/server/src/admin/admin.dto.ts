import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import type { JobStatus } from '@app/contracts';

export class PromoteDto {
  @ApiPropertyOptional({ description: 'Promote although the gate failed or has not run (needs a reason; audited)' })
  @IsOptional()
  @IsBoolean()
  force?: boolean;

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}

export class RollbackDto {
  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}

export class DeleteModelQueryDto {
  @ApiPropertyOptional({ maxLength: 1000, description: 'Kept in the audit log' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}

export class JobOverridesDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 50 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  epochs?: number;

  @ApiPropertyOptional({ minimum: 1e-7, maximum: 0.1 })
  @IsOptional()
  @IsNumber()
  @Min(1e-7)
  @Max(0.1)
  lr?: number;

  @ApiPropertyOptional({ minimum: 1, description: 'Use at most this many training rows (round-robin over intents)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  max_train?: number;
}

export class CreateJobDto {
  @ApiPropertyOptional({ description: 'Name from GET /api/jobs/configs (default support)', example: 'tiny' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9_-]{1,64}$/, { message: 'config is a config name such as "support" or "tiny"' })
  config?: string;

  @ApiPropertyOptional({ type: JobOverridesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => JobOverridesDto)
  overrides?: JobOverridesDto;
}

export class JobListQueryDto {
  @ApiPropertyOptional({ enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] })
  @IsOptional()
  @IsIn(['queued', 'running', 'succeeded', 'failed', 'cancelled'])
  status?: JobStatus;

  @ApiPropertyOptional({ minimum: 1, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class JobDetailQueryDto {
  @ApiPropertyOptional({ description: 'Only events after this seq (the previous answer\'s nextSince)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  since?: number;
}

export class TranscriptImportQueryDto {
  @ApiPropertyOptional({ enum: ['reject_file', 'valid_rows'] })
  @IsOptional()
  @IsIn(['reject_file', 'valid_rows'])
  mode?: 'reject_file' | 'valid_rows';
}

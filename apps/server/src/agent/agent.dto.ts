import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsDate, IsEmail, IsIn, IsInt, IsNumber, IsOptional, IsString, IsUUID, Length, Max, Min, ValidateNested } from 'class-validator';
import type { EntitySpan, ReviewDecisionPayload, ReviewReason, ReviewStatus, UserRole } from '@app/contracts';

/* REST bodies and queries of the agent console (validated; documented in Swagger and docs/api-agent.md). */

export class LoginDto {
  @ApiProperty({ example: 'agent@example.com' }) @IsString() @Length(3, 320) email: string;
  @ApiProperty() @IsString() @Length(1, 200) password: string;
}

export class ChangePasswordDto {
  @ApiProperty() @IsString() @Length(1, 200) currentPassword: string;
  @ApiProperty({ minLength: 12 }) @IsString() @Length(12, 200) newPassword: string;
}

export class CreateApiTokenDto {
  @ApiProperty({ example: 'weekly retrain job', description: 'What the token is for (shown in the list)' }) @IsString() @Length(1, 100) name: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 3650, description: 'Days until it expires; without it, it never does' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  expiresInDays?: number;
}

export class CreateUserDto {
  @ApiProperty() @IsEmail() @Length(3, 320) email: string;
  @ApiProperty() @IsString() @Length(1, 100) name: string;
  @ApiProperty({ enum: ['agent', 'admin'] }) @IsIn(['agent', 'admin']) role: UserRole;
  @ApiProperty({ minLength: 12 }) @IsString() @Length(12, 200) password: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) name?: string;
  @ApiPropertyOptional({ enum: ['agent', 'admin'] }) @IsOptional() @IsIn(['agent', 'admin']) role?: UserRole;
  @ApiPropertyOptional({ minLength: 12 }) @IsOptional() @IsString() @Length(12, 200) password?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() disabled?: boolean;
}

const toNumber = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

export class ReviewQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'confirmed', 'corrected'], default: 'pending' })
  @IsOptional()
  @IsIn(['pending', 'confirmed', 'corrected', 'all'])
  status?: ReviewStatus | 'all';

  @ApiPropertyOptional({ enum: ['low_confidence', 'fallback', 'thumbs_down', 'flagged'] })
  @IsOptional()
  @IsIn(['low_confidence', 'fallback', 'thumbs_down', 'flagged'])
  reason?: ReviewReason;

  @ApiPropertyOptional({ description: 'Predicted intent' }) @IsOptional() @IsString() @Length(1, 128) intent?: string;

  @ApiPropertyOptional({ enum: ['template', 'slot_prompt', 'retrieval', 'fallback'] })
  @IsOptional()
  @IsIn(['template', 'slot_prompt', 'retrieval', 'fallback'])
  route?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 1 }) @IsOptional() @Transform(toNumber) @IsNumber() @Min(0) @Max(1) minConfidence?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 1 }) @IsOptional() @Transform(toNumber) @IsNumber() @Min(0) @Max(1) maxConfidence?: number;
  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'queued at or after' }) @IsOptional() @Type(() => Date) @IsDate() from?: Date;
  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'queued before' }) @IsOptional() @Type(() => Date) @IsDate() to?: Date;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsUUID() cursor?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}

export class EntitySpanDto implements EntitySpan {
  @ApiProperty({ description: 'Character offset, inclusive' }) @IsInt() @Min(0) start: number;
  @ApiProperty({ description: 'Character offset, exclusive' }) @IsInt() @Min(1) end: number;
  @ApiProperty({ example: 'order_id' }) @IsString() @Length(1, 128) label: string;
}

export class ReviewDecisionDto implements ReviewDecisionPayload {
  @ApiProperty({ enum: ['confirm', 'correct'] }) @IsIn(['confirm', 'correct']) action: 'confirm' | 'correct';
  @ApiPropertyOptional({ description: 'correct: the right intent' }) @IsOptional() @IsString() @Length(1, 128) intent?: string;

  @ApiPropertyOptional({ type: [EntitySpanDto], description: 'correct: the right entity spans (replaces all predicted ones)' })
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => EntitySpanDto)
  entities?: EntitySpanDto[];
}

export class FlagDto {
  @ApiPropertyOptional({ description: 'Why (kept in the audit log)' }) @IsOptional() @IsString() @Length(0, 500) reason?: string;
}

export class AgentMessageBodyDto {
  @ApiProperty() @IsString() text: string;
  @ApiPropertyOptional({ description: 'Idempotency key: resending it never creates a second message' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  clientMessageId?: string;
}

export class AuditQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() actorId?: string;
  @ApiPropertyOptional({ example: 'review.correct' }) @IsOptional() @IsString() @Length(1, 100) action?: string;
  @ApiPropertyOptional({ example: 'user' }) @IsOptional() @IsString() @Length(1, 100) targetType?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) targetId?: string;
  @ApiPropertyOptional({ type: String, format: 'date-time' }) @IsOptional() @Type(() => Date) @IsDate() from?: Date;
  @ApiPropertyOptional({ type: String, format: 'date-time' }) @IsOptional() @Type(() => Date) @IsDate() to?: Date;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsUUID() cursor?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
}

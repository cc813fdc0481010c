import 'reflect-metadata';
import { Transform, Type } from 'class-transformer';
import { IsEmail, IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { ContactPayload, CsatPayload, CustomerIdentity, FeedbackPayload, HandoffRequestPayload, SendMessagePayload, StartConversationPayload } from './chat.types';

/**
 * Validated shapes of client events. Length checks on `text` live in the service (the limit is
 * configurable, and an empty or over-long text gets its own error code).
 */
export class CustomerIdentityDto implements CustomerIdentity {
  @IsString()
  @Length(1, 200)
  userId: string;

  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @IsOptional()
  @IsEmail()
  @Length(3, 320)
  email?: string;

  /** hex HMAC-SHA256 of userId with WIDGET_IDENTITY_SECRET. */
  @IsString()
  @Matches(/^[0-9a-fA-F]{64}$/)
  hash: string;
}

export class StartConversationDto implements StartConversationPayload {
  @IsOptional()
  @IsString()
  @Length(16, 128)
  token?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  lastSeq?: number;

  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/)
  locale?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => CustomerIdentityDto)
  identity?: CustomerIdentityDto;
}

export class SendMessageDto implements SendMessagePayload {
  @IsString()
  @Length(1, 100)
  clientMessageId: string;

  /** Type only; emptiness and length are checked by the turn service with their own codes. */
  @IsString()
  text: string;
}

export class HandoffRequestDto implements HandoffRequestPayload {
  @IsOptional()
  @IsString()
  @Length(0, 500)
  reason?: string;
}

export class ContactDto implements ContactPayload {
  // Pasted addresses often carry spaces around them.
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MaxLength(254, { message: 'email must be at most 254 characters' })
  @IsEmail({}, { message: 'email must be an email address' })
  email: string;
}

export class CsatDto implements CsatPayload {
  @IsInt()
  @Min(1)
  @Max(5)
  rating: number;

  @IsOptional()
  @IsString()
  @Length(0, 2000)
  comment?: string;
}

export class FeedbackDto implements FeedbackPayload {
  @IsUUID()
  messageId: string;

  @IsIn(['up', 'down'])
  rating: 'up' | 'down';

  @IsOptional()
  @IsString()
  @Length(0, 2000)
  comment?: string;
}

export class TypingDto {}

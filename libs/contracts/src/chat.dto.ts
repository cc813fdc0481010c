import 'reflect-metadata';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { CsatPayload, FeedbackPayload, HandoffRequestPayload, SendMessagePayload, StartConversationPayload } from './chat.types';

/**
 * Validated shapes of client events. Length checks on `text` live in the service (the limit is
 * configurable, and an empty or over-long text gets its own error code).
 */
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

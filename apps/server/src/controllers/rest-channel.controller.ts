import { Body, Controller, Get, Headers, HttpCode, Post, Query } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Min, ValidateNested } from 'class-validator';
import { ContactDto, ContactResult, CsatDto, CsatResult, CustomerIdentityDto, RestHistoryResult, RestSendResult, SendMessageDto, ValidationFailedError } from '@app/contracts';
import { hashToken, RestChannelService } from '@app/conversation';
import { RateLimitService } from '../security/rate-limit.service';

export const CONVERSATION_TOKEN_HEADER = 'x-parley-conversation-token';

export class RestHistoryQueryDto {
  @ApiPropertyOptional({ minimum: 0, default: 0, description: 'Messages with a greater seq (the last one you have)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;
}

export class RestSendMessageDto extends SendMessageDto {
  @ApiPropertyOptional({ description: 'The signed-in customer: { userId, name?, email?, hash } with hash = hex HMAC-SHA256 of userId with WIDGET_IDENTITY_SECRET (docs/widget.md)' })
  @IsOptional()
  @ValidateNested()
  @Type(() => CustomerIdentityDto)
  identity?: CustomerIdentityDto;
}

const TOKEN_HEADER_DOC = {
  name: 'X-Parley-Conversation-Token',
  description: 'The conversation token a first message returned (`conversationToken`)',
} as const;

/**
 * The REST channel: anonymous like the widget (the conversation token is the only credential), rate-limited per IP
 * like every REST route and per conversation like a widget socket's messages (RATE_LIMIT_MESSAGES_PER_MINUTE),
 * refused with BUSY like the widget while the server cannot answer in time.
 */
@ApiTags('channels')
@Controller('api/channels/rest')
export class RestChannelController {
  constructor(
    private readonly channel: RestChannelService,
    private readonly limits: RateLimitService,
  ) {}

  @Post('messages')
  @HttpCode(200)
  @ApiOperation({
    summary: "Send a customer message and get the bot's reply in the same response",
    description:
      "Without the token header a new conversation starts and its `conversationToken` comes back once. Resending a `clientMessageId` creates nothing and returns the same message (and its reply). `reply` is null while a person has the conversation or when the reply took longer than CHAT_REST_REPLY_WAIT_MS: read it from GET. With `identity` the conversation is the signed-in customer's, as with the widget. Errors: 400 MESSAGE_EMPTY / MESSAGE_TOO_LONG / VALIDATION_FAILED / IDENTITY_NOT_ACCEPTED, 401 IDENTITY_INVALID, 404 CONVERSATION_NOT_FOUND, 409 CONVERSATION_CLOSED / IDENTITY_MISMATCH, 429 RATE_LIMITED, 503 BUSY (with retryAfterMs).",
  })
  @ApiHeader({ ...TOKEN_HEADER_DOC, required: false })
  @ApiOkResponse({ description: 'RestSendResult (libs/contracts/src/chat.types.ts)' })
  async send(@Headers(CONVERSATION_TOKEN_HEADER) header: string | undefined, @Body() dto: RestSendMessageDto): Promise<RestSendResult> {
    const token = checkToken(header, false);
    // A first message (no token yet) counts against the per-IP request limit only.
    if (token !== undefined) await this.limits.checkConversationMessage(hashToken(token));
    return this.channel.send(token, { clientMessageId: dto.clientMessageId, text: dto.text }, dto.identity);
  }

  @Post('csat')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rate the person who helped, 1-5, after they gave the conversation back (the widget\'s csat:send)',
    description: 'One rating per handoff; a second replaces the first (`replaced: true`). Errors: 400 VALIDATION_FAILED, 404 CONVERSATION_NOT_FOUND, 409 CSAT_NOT_ALLOWED (no person has helped and given it back).',
  })
  @ApiHeader({ ...TOKEN_HEADER_DOC, required: true })
  csat(@Headers(CONVERSATION_TOKEN_HEADER) token: string | undefined, @Body() dto: CsatDto): Promise<CsatResult> {
    return this.channel.rate(checkToken(token, true)!, { rating: dto.rating, comment: dto.comment });
  }

  @Post('contact')
  @HttpCode(200)
  @ApiOperation({
    summary: "Leave an email for the answer when nobody can reply now (the widget's contact:send)",
    description:
      'Offered by the handoff message (a `contact:send` suggestion) outside business hours or with no agent online. Kept on the conversation (not verified), shown to agents, sent with its webhook events. The same address again changes nothing (`message: null`). Errors: 400 VALIDATION_FAILED, 404 CONVERSATION_NOT_FOUND, 409 CONVERSATION_CLOSED.',
  })
  @ApiHeader({ ...TOKEN_HEADER_DOC, required: true })
  leaveContact(@Headers(CONVERSATION_TOKEN_HEADER) token: string | undefined, @Body() dto: ContactDto): Promise<ContactResult> {
    return this.channel.leaveContact(checkToken(token, true)!, dto.email);
  }

  @Get('messages')
  @ApiOperation({ summary: "The conversation's messages after `after` (agents' messages, late replies) and its status" })
  @ApiHeader({ ...TOKEN_HEADER_DOC, required: true })
  @ApiOkResponse({ description: 'RestHistoryResult (libs/contracts/src/chat.types.ts)' })
  history(@Headers(CONVERSATION_TOKEN_HEADER) token: string | undefined, @Query() query: RestHistoryQueryDto): Promise<RestHistoryResult> {
    return this.channel.history(checkToken(token, true)!, query.after ?? 0);
  }
}

function checkToken(token: string | undefined, required: boolean): string | undefined {
  if (token === undefined || token === '') {
    if (required) throw new ValidationFailedError('The X-Parley-Conversation-Token header is required');
    return undefined;
  }
  if (token.length > 200) throw new ValidationFailedError('X-Parley-Conversation-Token is too long');
  return token;
}

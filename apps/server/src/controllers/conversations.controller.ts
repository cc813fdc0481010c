import { Controller, Get, Param, ParseUUIDPipe, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { AuthGuard, Roles, RolesGuard } from '@app/auth';
import type { ConversationStatus, MessageView } from '@app/contracts';
import { ConversationService } from '@app/conversation';
import type { ConversationEntity } from '@app/database';

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

export class ConversationSummaryDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['bot', 'handoff_requested', 'agent', 'closed'] }) status: ConversationStatus;
  @ApiProperty() lastSeq: number;
  @ApiProperty({ nullable: true, type: String }) locale: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class ConversationPageDto {
  @ApiProperty({ type: [ConversationSummaryDto] }) items: Array<ConversationSummaryDto & { messageCount: number }>;
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

export class ConversationDetailDto extends ConversationSummaryDto {
  @ApiProperty({ type: 'array', items: { type: 'object' } }) messages: MessageView[];
}

/** The token hash never leaves the server. */
function summary(c: ConversationEntity): ConversationSummaryDto {
  return { id: c.id, status: c.status, lastSeq: c.lastSeq, locale: c.locale, createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString() };
}

@ApiTags('conversations')
@Controller('api/conversations')
@ApiBearerAuth()
@UseGuards(AuthGuard, RolesGuard)
@Roles('agent', 'admin')
export class ConversationsController {
  constructor(private readonly conversations: ConversationService) {}

  @Get()
  @ApiOkResponse({ type: ConversationPageDto })
  async list(@Query() query: PageQueryDto): Promise<ConversationPageDto> {
    const limit = query.limit ?? 20;
    const offset = query.offset ?? 0;
    const page = await this.conversations.page(limit, offset);
    return { items: page.items.map((c) => ({ ...summary(c), messageCount: c.messageCount })), total: page.total, limit, offset };
  }

  @Get(':id')
  @ApiOkResponse({ type: ConversationDetailDto })
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ConversationDetailDto> {
    const { conversation, messages } = await this.conversations.get(id);
    return { ...summary(conversation), messages };
  }
}

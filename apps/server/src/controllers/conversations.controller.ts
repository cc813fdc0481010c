import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AuthGuard, CurrentUser, Roles, RolesGuard } from '@app/auth';
import type { AuthUser, ConversationStatus, MessageView, NoteView, ReplyDraftsView } from '@app/contracts';
import { ConversationErasureService, ConversationService, customerOf, NotesService, ReplyDraftService } from '@app/conversation';
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

export class ConversationListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['bot', 'handoff_requested', 'agent', 'closed'], description: 'Only conversations in this state (`closed`: imported transcripts)' })
  @IsOptional()
  @IsIn(['bot', 'handoff_requested', 'agent', 'closed'])
  status?: ConversationStatus;

  @ApiPropertyOptional({ maxLength: 200, description: 'Only conversations with a message that contains this text (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ maxLength: 200, description: "Only the conversations of this identified customer (their id on your site)" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  customerId?: string;
}

export class CustomerDto {
  @ApiProperty({ description: "The customer's id on your site, verified with WIDGET_IDENTITY_SECRET" }) id: string;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
  @ApiProperty({ nullable: true, type: String }) email: string | null;
}

export class NoteBodyDto {
  @ApiProperty({ example: 'Promised a call-back tomorrow morning about the refund.' })
  @IsString()
  text: string;
}

export class NoteAuthorDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
}

export class NoteDto {
  @ApiProperty() id: string;
  @ApiProperty() conversationId: string;
  @ApiProperty({ type: NoteAuthorDto, nullable: true, description: 'The agent; null once the account is gone' }) author: NoteAuthorDto | null;
  @ApiProperty() text: string;
  @ApiProperty() createdAt: string;
}

export class EraseQueryDto {
  @ApiPropertyOptional({ maxLength: 500, description: 'Why (kept in the audit log), e.g. a ticket of the erasure request' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class ErasureResultDto {
  @ApiProperty() conversationId: string;
  @ApiProperty({ description: 'Messages deleted with the conversation' }) messages: number;
  @ApiProperty({ description: 'Training examples labelled from it, deleted too' }) trainingExamples: number;
}

export class ConversationSummaryDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['bot', 'handoff_requested', 'agent', 'closed'] }) status: ConversationStatus;
  @ApiProperty() lastSeq: number;
  @ApiProperty({ nullable: true, type: String }) locale: string | null;
  @ApiProperty({ type: CustomerDto, nullable: true, description: 'The identified customer, or null (anonymous)' }) customer: CustomerDto | null;
  @ApiProperty({ type: String, nullable: true, description: 'The email the customer left for an answer when nobody could reply at once (not verified)' }) contactEmail: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class LastMessageDto {
  @ApiProperty({ enum: ['customer', 'bot', 'agent'] }) author: string;
  @ApiProperty({ description: 'Its first 200 characters' }) text: string;
  @ApiProperty() createdAt: string;
}

export class ConversationListItemDto extends ConversationSummaryDto {
  @ApiProperty() messageCount: number;
  @ApiProperty({ type: LastMessageDto, nullable: true, description: 'The latest message that is not a system note' }) lastMessage: LastMessageDto | null;
}

export class ConversationPageDto {
  @ApiProperty({ type: [ConversationListItemDto] }) items: ConversationListItemDto[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

export class ConversationDetailDto extends ConversationSummaryDto {
  @ApiProperty({ type: 'array', items: { type: 'object' } }) messages: MessageView[];
}

export class ReplyDraftDto {
  @ApiProperty() intent: string;
  @ApiProperty({ description: 'Calibrated probability of the intent on that message' }) confidence: number;
  @ApiProperty() templateId: string;
  @ApiProperty({ description: "The template's name" }) name: string;
  @ApiProperty({ description: 'The filled template, or its question for the first missing entity' }) text: string;
  @ApiProperty({ type: [String], description: 'Required entities the customer has not given' }) missing: string[];
}

export class ReplyDraftBasisDto {
  @ApiProperty() messageId: string;
  @ApiProperty() seq: number;
  @ApiProperty() text: string;
}

export class ReplyArticleDraftDto {
  @ApiProperty() articleId: string;
  @ApiProperty() slug: string;
  @ApiProperty() title: string;
  @ApiProperty({ description: 'Fused search score, 0..1' }) score: number;
  @ApiProperty({ description: 'What the bot says when it answers from the article' }) text: string;
}

export class ReplyDraftsDto {
  @ApiProperty({ type: ReplyDraftBasisDto, nullable: true, description: 'The customer message the drafts answer' }) basedOn: ReplyDraftBasisDto | null;
  @ApiProperty({ type: [ReplyDraftDto] }) items: ReplyDraftDto[];
  @ApiProperty({ type: [ReplyArticleDraftDto], description: "Articles above the bot's retrieval cut-off (2 at most)" }) articles: ReplyArticleDraftDto[];
}

/** The token hash never leaves the server. */
function summary(c: ConversationEntity): ConversationSummaryDto {
  return { id: c.id, status: c.status, lastSeq: c.lastSeq, locale: c.locale, customer: customerOf(c), contactEmail: c.contactEmail, createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString() };
}

@ApiTags('conversations')
@Controller('api/conversations')
@ApiBearerAuth()
@UseGuards(AuthGuard, RolesGuard)
@Roles('agent', 'admin')
export class ConversationsController {
  constructor(
    private readonly conversations: ConversationService,
    private readonly erasure: ConversationErasureService,
    private readonly drafts: ReplyDraftService,
    private readonly notes: NotesService,
  ) {}

  @Get(':id/notes')
  @ApiOperation({ summary: "Agents' private notes on the conversation, oldest first (never shown to the customer)" })
  @ApiOkResponse({ type: [NoteDto] })
  listNotes(@Param('id', new ParseUUIDPipe()) id: string): Promise<NoteView[]> {
    return this.notes.list(id);
  }

  @Post(':id/notes')
  @ApiOperation({ summary: 'Add a private note for the other agents; consoles following the conversation get `conversation:note`' })
  @ApiCreatedResponse({ type: NoteDto })
  @ApiNotFoundResponse({ description: 'CONVERSATION_NOT_FOUND' })
  addNote(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: NoteBodyDto, @CurrentUser() user: AuthUser): Promise<NoteView> {
    return this.notes.add(id, user, body.text);
  }

  @Delete(':id/notes/:noteId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a note (its author, or an admin)' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async deleteNote(@Param('id', new ParseUUIDPipe()) id: string, @Param('noteId', new ParseUUIDPipe()) noteId: string, @CurrentUser() user: AuthUser): Promise<void> {
    await this.notes.delete(id, noteId, user);
  }

  @Get()
  @ApiOkResponse({ type: ConversationPageDto })
  @ApiOperation({ summary: 'Conversations, the most recently active first; filter by state and by text in their messages' })
  async list(@Query() query: ConversationListQueryDto): Promise<ConversationPageDto> {
    const limit = query.limit ?? 20;
    const offset = query.offset ?? 0;
    const page = await this.conversations.page({ limit, offset, status: query.status, q: query.q, customerId: query.customerId });
    return { items: page.items.map((c) => ({ ...summary(c), messageCount: c.messageCount, lastMessage: c.lastMessage })), total: page.total, limit, offset };
  }

  @Get(':id')
  @ApiOkResponse({ type: ConversationDetailDto })
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ConversationDetailDto> {
    const { conversation, messages } = await this.conversations.get(id);
    return { ...summary(conversation), messages };
  }

  @Get(':id/drafts')
  @ApiOperation({
    summary: 'Draft replies for the agent',
    description:
      "Answer templates of the intents the model ranked likeliest (≥ 0.05, at most 3; no small talk, yes/no or handoff intents) on the customer's latest understood message, filled with the entities the customer gave in the last 50 messages; a template whose required entity is missing gives its question instead. Plus the knowledge-base articles the bot's search finds for that message (above its retrieval cut-off, 2 at most). The message is parsed on request with the active model; nothing is stored or sent: the agent edits a draft and sends it as their own message.",
  })
  @ApiOkResponse({ type: ReplyDraftsDto })
  @ApiNotFoundResponse({ description: 'CONVERSATION_NOT_FOUND' })
  replyDrafts(@Param('id', new ParseUUIDPipe()) id: string): Promise<ReplyDraftsView> {
    return this.drafts.forConversation(id);
  }

  @Delete(':id')
  @Roles('admin')
  @ApiOperation({
    summary: 'Erase a conversation',
    description:
      'Deletes the conversation, its messages, slot state, feedback, review items and the training examples labelled from it, in one transaction; audited (`conversation.delete`, counts only). Its widget sockets get an `error` event `CONVERSATION_NOT_FOUND`.',
  })
  @ApiOkResponse({ type: ErasureResultDto })
  @ApiNotFoundResponse({ description: 'CONVERSATION_NOT_FOUND' })
  remove(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: EraseQueryDto, @CurrentUser() user: AuthUser): Promise<ErasureResultDto> {
    return this.erasure.erase(id, user, query.reason);
  }
}

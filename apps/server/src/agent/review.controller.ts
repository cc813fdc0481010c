import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentUser, Roles, RolesGuard } from '@app/auth';
import type { AuthUser, ReviewDecisionResult, ReviewDetailView, ReviewItemView, ReviewPage } from '@app/contracts';
import { ReviewService } from '@app/review';
import { SocketChatEmitter } from '../gateways/socket-chat-emitter';
import { FlagDto, ReviewDecisionDto, ReviewQueryDto } from './agent.dto';

@ApiTags('review')
@ApiBearerAuth()
@Controller('api')
@UseGuards(AuthGuard, RolesGuard)
@Roles('agent', 'admin')
export class ReviewController {
  constructor(
    private readonly review: ReviewService,
    private readonly emitter: SocketChatEmitter,
  ) {}

  /** The queue, newest first: pending by default; filter by intent, route, confidence range, reason, date. */
  @Get('review')
  list(@Query() q: ReviewQueryDto): Promise<ReviewPage> {
    return this.review.list({
      status: q.status === 'all' ? undefined : (q.status ?? 'pending'),
      reason: q.reason,
      intent: q.intent,
      route: q.route,
      minConfidence: q.minConfidence,
      maxConfidence: q.maxConfidence,
      from: q.from,
      to: q.to,
      cursor: q.cursor,
      limit: q.limit ?? 50,
    });
  }

  /** The customer's text, the full ranking with raw logits, predicted spans, context and any earlier label. */
  @Get('review/:id')
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ReviewDetailView> {
    return this.review.get(id);
  }

  @Post('review/:id/decision')
  @HttpCode(200)
  async decide(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: ReviewDecisionDto, @CurrentUser() user: AuthUser): Promise<ReviewDecisionResult> {
    const result = await this.review.decide(id, dto, user);
    this.emitter.reviewUpdated(result.item);
    return result;
  }

  /** Puts a customer message or bot reply into the review queue (reason `flagged`). */
  @Post('messages/:id/flag')
  @HttpCode(200)
  async flag(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: FlagDto, @CurrentUser() user: AuthUser): Promise<{ item: ReviewItemView; queued: boolean }> {
    const { item, queued, queuedMessageId } = await this.review.flag(id, user, dto.reason);
    if (queued) this.emitter.reviewQueued(queuedMessageId);
    return { item, queued };
  }
}

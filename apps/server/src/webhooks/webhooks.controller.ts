import { Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { AuthGuard, Roles, RolesGuard } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import { DomainError, ErrorCode, WEBHOOK_EVENTS, WebhookDeliveryStatus, WebhookDeliveryView, WebhookEventName } from '@app/contracts';
import { WebhookDeliveryEntity, WebhookDeliveryRepository } from '@app/database';
import { WebhookDispatcher } from './webhook-dispatcher.service';

export class DeliveriesQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'delivered', 'failed'] })
  @IsOptional()
  @IsIn(['pending', 'delivered', 'failed'])
  status?: WebhookDeliveryStatus;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENTS })
  @IsOptional()
  @IsIn(WEBHOOK_EVENTS)
  event?: WebhookEventName;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'Only deliveries created before this time (the last one of the previous page)', format: 'date-time' })
  @IsOptional()
  @IsDateString()
  before?: string;
}

class DeliveryDto implements WebhookDeliveryView {
  @ApiProperty() id: string;
  @ApiProperty({ enum: WEBHOOK_EVENTS }) event: WebhookEventName;
  @ApiProperty({ nullable: true, type: String }) conversationId: string | null;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] }) status: WebhookDeliveryStatus;
  @ApiProperty() attempts: number;
  @ApiProperty({ nullable: true, type: Number }) lastStatus: number | null;
  @ApiProperty({ nullable: true, type: String }) lastError: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) nextAttemptAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) deliveredAt: string | null;
}

class DeliveriesPageDto {
  @ApiProperty({ description: 'Whether EVENT_WEBHOOK_URL is set' }) enabled: boolean;
  @ApiProperty({ nullable: true, type: String, description: "The receiver's origin (scheme, host, port: never its path or query, which may hold a token)" })
  origin: string | null;
  @ApiProperty({ type: [String], enum: WEBHOOK_EVENTS }) events: WebhookEventName[];
  @ApiProperty({ description: 'Deliveries by status', example: { pending: 0, delivered: 12, failed: 1 } }) counts: Record<WebhookDeliveryStatus, number>;
  @ApiProperty({ type: [DeliveryDto] }) items: DeliveryDto[];
}

function toView(d: WebhookDeliveryEntity): WebhookDeliveryView {
  return {
    id: d.id,
    event: d.event as WebhookEventName,
    conversationId: d.conversationId,
    status: d.status,
    attempts: d.attempts,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
    createdAt: d.createdAt.toISOString(),
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
  };
}

/** The event webhook's deliveries for admins (docs/webhooks.md): what was sent, what failed and why, and sending again. */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/webhooks')
@UseGuards(AuthGuard, RolesGuard)
@Roles('admin')
export class WebhooksController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly rows: WebhookDeliveryRepository,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  @Get('deliveries')
  @ApiOperation({ summary: 'Deliveries of the event webhook, newest first, without their payloads (customer text)' })
  @ApiOkResponse({ type: DeliveriesPageDto })
  async list(@Query() q: DeliveriesQueryDto): Promise<DeliveriesPageDto> {
    const { url, events } = this.config.events;
    const [counts, rows] = await Promise.all([this.rows.countByStatus(), this.rows.list({ status: q.status, event: q.event, limit: q.limit, before: q.before ? new Date(q.before) : undefined })]);
    return { enabled: url !== null, origin: url ? new URL(url).origin : null, events: url ? [...events] : [], counts, items: rows.map(toView) };
  }

  @Post('deliveries/:id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a failed delivery again, from a fresh attempt count' })
  @ApiNotFoundResponse({ description: 'WEBHOOK_DELIVERY_NOT_FOUND' })
  @ApiConflictResponse({ description: 'WEBHOOK_NOT_FAILED (pending or delivered), WEBHOOKS_OFF' })
  async retry(@Param('id', new ParseUUIDPipe()) id: string): Promise<{ retried: number }> {
    this.mustBeOn();
    const retried = await this.rows.retryFailed(id);
    if (retried === 0) {
      const row = await this.rows.findById(id);
      if (!row) throw new DomainError(ErrorCode.WebhookDeliveryNotFound, 'No such webhook delivery', 404);
      throw new DomainError(ErrorCode.WebhookNotFailed, `This delivery is ${row.status}: only a failed one is sent again`, 409);
    }
    this.dispatcher.wake();
    return { retried };
  }

  @Post('deliveries/retry-failed')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send every failed delivery again (after the receiver was down, say)' })
  @ApiConflictResponse({ description: 'WEBHOOKS_OFF' })
  async retryAll(): Promise<{ retried: number }> {
    this.mustBeOn();
    const retried = await this.rows.retryFailed();
    if (retried > 0) this.dispatcher.wake();
    return { retried };
  }

  private mustBeOn(): void {
    if (!this.dispatcher.enabled) throw new DomainError(ErrorCode.WebhooksOff, 'The event webhook is off (EVENT_WEBHOOK_URL is not set)', 409);
  }
}

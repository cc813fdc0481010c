import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { AuthGuard, Roles, RolesGuard } from '@app/auth';
import type { AnalyticsSummary } from '@app/contracts';
import { AnalyticsRepository } from '@app/database';
import { analyticsPeriod, buildAnalyticsSummary } from './analytics';

export class AnalyticsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 90, default: 7, description: 'Whole UTC days, today included' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(90)
  days?: number;
}

@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/analytics')
@UseGuards(AuthGuard, RolesGuard)
@Roles('admin')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsRepository) {}

  @Get('summary')
  @ApiOperation({ summary: 'How the bot did over the last N days: containment, answered and fallback rates, feedback, top intents, per model version, per day' })
  async summary(@Query() q: AnalyticsQueryDto): Promise<AnalyticsSummary> {
    const { from, to } = analyticsPeriod(q.days ?? 7);
    return buildAnalyticsSummary(await this.analytics.counts(from, to), from, to);
  }
}

import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentUser, Roles, RolesGuard } from '@app/auth';
import type { AuthUser, JobDetailView, TrainingJobView } from '@app/contracts';
import { JobsService } from '@app/registry';
import { CreateJobDto, JobDetailQueryDto, JobListQueryDto } from './admin.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/jobs')
@UseGuards(AuthGuard, RolesGuard)
@Roles('admin')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get('configs')
  @ApiOperation({ summary: 'Training config names a job may use' })
  configs(): Promise<{ items: { name: string; default: boolean }[] }> {
    return this.jobs.configs();
  }

  @Post()
  @ApiOperation({ summary: 'Queue a retrain job (dataset snapshot → train → export → register candidate → gate)' })
  create(@Body() dto: CreateJobDto, @CurrentUser() user: AuthUser): Promise<TrainingJobView> {
    return this.jobs.create({ config: dto.config, overrides: { ...dto.overrides } as Record<string, number> }, user);
  }

  @Get()
  list(@Query() q: JobListQueryDto): Promise<{ items: TrainingJobView[] }> {
    return this.jobs.list(q);
  }

  @Get(':id')
  @ApiOperation({ summary: 'The job with its progress/log events after `since`' })
  @ApiNotFoundResponse({ description: 'JOB_NOT_FOUND' })
  get(@Param('id') id: string, @Query() q: JobDetailQueryDto): Promise<JobDetailView> {
    return this.jobs.get(id, q.since);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiNotFoundResponse({ description: 'JOB_NOT_FOUND' })
  @ApiConflictResponse({ description: 'JOB_FINISHED' })
  cancel(@Param('id') id: string): Promise<TrainingJobView> {
    return this.jobs.cancel(id);
  }
}

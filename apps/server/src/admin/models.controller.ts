import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { AuthGuard, CurrentUser, Roles, RolesGuard } from '@app/auth';
import type { AuthUser, ModelDeleteResult, ModelVersionDetail, ModelVersionView, PromoteResult } from '@app/contracts';
import { ModelDeletionService, ModelRegistryService, PromotionService } from '@app/registry';
import { DeleteModelQueryDto, PromoteDto, RollbackDto } from './admin.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/models')
@UseGuards(AuthGuard, RolesGuard)
@Roles('admin')
export class ModelsController {
  constructor(
    private readonly registry: ModelRegistryService,
    private readonly promotion: PromotionService,
    private readonly deletion: ModelDeletionService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every registered model version, newest first' })
  list(): Promise<{ items: ModelVersionView[]; activeId: string | null }> {
    return this.registry.list();
  }

  @Post('rollback')
  @HttpCode(200)
  @ApiOperation({ summary: 'Make the previously active version active again (every server switches)' })
  @ApiConflictResponse({ description: 'NO_PREVIOUS_MODEL' })
  @ApiUnprocessableEntityResponse({ description: 'MODEL_INVALID: the previous folder no longer loads' })
  rollback(@Body() dto: RollbackDto, @CurrentUser() user: AuthUser): Promise<PromoteResult> {
    return this.promotion.rollback(user, dto.reason);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Manifest, metrics and gate report of one version' })
  @ApiNotFoundResponse({ description: 'MODEL_NOT_FOUND' })
  get(@Param('id') id: string): Promise<ModelVersionDetail> {
    return this.registry.detail(id);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a version that is not in use, and its folder under MODELS_DIR (audited)' })
  @ApiNotFoundResponse({ description: 'MODEL_NOT_FOUND' })
  @ApiConflictResponse({ description: 'MODEL_IN_USE (active, or where a rollback would go) | GATE_PENDING (its job is still running)' })
  remove(@Param('id') id: string, @Query() q: DeleteModelQueryDto, @CurrentUser() user: AuthUser): Promise<ModelDeleteResult> {
    return this.deletion.delete(id, user, q.reason);
  }

  @Post(':id/promote')
  @HttpCode(200)
  @ApiOperation({ summary: 'Make this version active on every server (refused when the gate failed, unless forced with a reason)' })
  @ApiConflictResponse({ description: 'GATE_FAILED (with the gate report) | GATE_PENDING | MODEL_ALREADY_ACTIVE' })
  @ApiUnprocessableEntityResponse({ description: 'MODEL_INVALID: the folder does not load; nothing changed' })
  promote(@Param('id') id: string, @Body() dto: PromoteDto, @CurrentUser() user: AuthUser): Promise<PromoteResult> {
    return this.promotion.promote(id, user, dto);
  }
}

import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuditService, AuthGuard, Roles, RolesGuard } from '@app/auth';
import { AuditEntryView, keysetPage } from '@app/contracts';
import { AuditQueryDto } from './agent.dto';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/audit')
@UseGuards(AuthGuard, RolesGuard)
@Roles('admin')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** Newest first; `nextCursor` continues with older entries. */
  @Get()
  async list(@Query() q: AuditQueryDto): Promise<{ items: AuditEntryView[]; nextCursor: string | null }> {
    const limit = q.limit ?? 100;
    const rows = await this.audit.list({
      actorId: q.actorId,
      action: q.action,
      targetType: q.targetType,
      targetId: q.targetId,
      from: q.from,
      to: q.to,
      beforeId: q.cursor,
      limit: limit + 1,
    });
    return keysetPage(rows, limit);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CannedResponseService } from '@app/answers';
import { AuthGuard, CurrentUser, Roles, RolesGuard } from '@app/auth';
import type { AuthUser } from '@app/contracts';
import type { HttpResponse } from '../http.types';
import { CannedResponseBodyDto, CannedResponseDto, CannedResponseListQueryDto, CannedResponsePageDto, ExportQueryDto, ImportBodyDto, importPayload, ImportResultDto } from './content.dto';

@ApiTags('content')
@ApiBadRequestResponse({ description: '`{ code: "CONTENT_INVALID" | "VALIDATION_FAILED", message, rows? }`' })
@Controller('api/content/canned-responses')
// Every agent uses them; only admins change them.
@ApiBearerAuth()
@UseGuards(AuthGuard, RolesGuard)
@Roles('agent', 'admin')
export class CannedResponsesController {
  constructor(private readonly canned: CannedResponseService) {}

  @Get()
  @ApiOperation({ summary: 'Search canned responses; each comes with its text filled in for the caller (`rendered`)' })
  @ApiOkResponse({ type: CannedResponsePageDto })
  list(@Query() q: CannedResponseListQueryDto, @CurrentUser() user: AuthUser): Promise<CannedResponsePageDto> {
    return this.canned.list(q, user.name) as Promise<CannedResponsePageDto>;
  }

  @Get('export')
  @ApiOperation({ summary: 'All canned responses as JSON or CSV (short_code, title, text)' })
  @ApiOkResponse({ description: 'application/json array or text/csv' })
  async export(@Query() q: ExportQueryDto, @Res({ passthrough: true }) res: HttpResponse): Promise<string> {
    const format = q.format ?? 'json';
    res.setHeader('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="canned-responses.${format}"`);
    return this.canned.export(format);
  }

  @Post('import')
  @Roles('admin')
  @ApiOperation({ summary: 'Import canned responses (all rows validated, short codes checked, then written in one transaction)' })
  @ApiCreatedResponse({ type: ImportResultDto })
  importAll(@Body() body: ImportBodyDto): Promise<ImportResultDto> {
    return this.canned.import(importPayload(body), body.format);
  }

  @Get(':id')
  @ApiOkResponse({ type: CannedResponseDto })
  @ApiNotFoundResponse({ description: 'CONTENT_NOT_FOUND' })
  get(@Param('id') id: string): Promise<CannedResponseDto> {
    return this.canned.get(id) as Promise<CannedResponseDto>;
  }

  @Post()
  @Roles('admin')
  @ApiCreatedResponse({ type: CannedResponseDto })
  @ApiConflictResponse({ description: 'CONTENT_CONFLICT: the short code is taken' })
  create(@Body() body: CannedResponseBodyDto): Promise<CannedResponseDto> {
    return this.canned.create(body) as Promise<CannedResponseDto>;
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOkResponse({ type: CannedResponseDto })
  @ApiNotFoundResponse({ description: 'CONTENT_NOT_FOUND' })
  @ApiConflictResponse({ description: 'CONTENT_CONFLICT: the short code is taken' })
  update(@Param('id') id: string, @Body() body: CannedResponseBodyDto): Promise<CannedResponseDto> {
    return this.canned.update(id, body) as Promise<CannedResponseDto>;
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'CONTENT_NOT_FOUND' })
  remove(@Param('id') id: string): Promise<void> {
    return this.canned.delete(id);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ContentService } from '@app/answers';
import { AuthGuard, Roles, RolesGuard } from '@app/auth';
import type { HttpResponse } from '../http.types';
import { ContentListQueryDto, ExportQueryDto, ImportBodyDto, importPayload, ImportResultDto, TemplateBodyDto, TemplateDto, TemplatePageDto } from './content.dto';

@ApiTags('content')
@ApiBadRequestResponse({ description: '`{ code: "CONTENT_INVALID" | "VALIDATION_FAILED", message, rows? }`' })
@Controller('api/content/templates')
// Agents read the content; only admins change it.
@ApiBearerAuth()
@UseGuards(AuthGuard, RolesGuard)
@Roles('agent', 'admin')
export class TemplatesController {
  constructor(private readonly content: ContentService) {}

  @Get()
  @ApiOkResponse({ type: TemplatePageDto })
  list(@Query() q: ContentListQueryDto): Promise<TemplatePageDto> {
    return this.content.listTemplates(q) as Promise<TemplatePageDto>;
  }

  @Get('export')
  @ApiOperation({ summary: 'All templates as JSON or CSV' })
  @ApiOkResponse({ description: 'application/json array or text/csv' })
  async export(@Query() q: ExportQueryDto, @Res({ passthrough: true }) res: HttpResponse): Promise<string> {
    const format = q.format ?? 'json';
    res.setHeader('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="templates.${format}"`);
    return this.content.exportTemplates(format);
  }

  @Post('import')
  @Roles('admin')
  @ApiOperation({ summary: 'Import templates (all rows validated first, then written in one transaction)' })
  @ApiCreatedResponse({ type: ImportResultDto })
  importAll(@Body() body: ImportBodyDto): Promise<ImportResultDto> {
    return this.content.importTemplates(importPayload(body), body.format);
  }

  @Get(':id')
  @ApiOkResponse({ type: TemplateDto })
  @ApiNotFoundResponse({ description: 'CONTENT_NOT_FOUND' })
  get(@Param('id') id: string): Promise<TemplateDto> {
    return this.content.getTemplate(id) as Promise<TemplateDto>;
  }

  @Post()
  @Roles('admin')
  @ApiCreatedResponse({ type: TemplateDto })
  create(@Body() body: TemplateBodyDto): Promise<TemplateDto> {
    return this.content.createTemplate(body) as Promise<TemplateDto>;
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOkResponse({ type: TemplateDto })
  @ApiNotFoundResponse({ description: 'CONTENT_NOT_FOUND' })
  update(@Param('id') id: string, @Body() body: TemplateBodyDto): Promise<TemplateDto> {
    return this.content.updateTemplate(id, body) as Promise<TemplateDto>;
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'CONTENT_NOT_FOUND' })
  @ApiConflictResponse({ description: 'never for templates; listed for symmetry with articles' })
  remove(@Param('id') id: string): Promise<void> {
    return this.content.deleteTemplate(id);
  }
}

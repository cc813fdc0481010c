import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ContentService } from '@app/answers';
import { AuthGuard, Roles, RolesGuard } from '@app/auth';
import type { HttpResponse } from '../http.types';
import { ArticleBodyDto, ArticleDto, ArticlePageDto, ContentListQueryDto, ExportQueryDto, ImportBodyDto, importPayload, ImportResultDto } from './content.dto';

@ApiTags('content')
@ApiBadRequestResponse({ description: '`{ code: "CONTENT_INVALID" | "VALIDATION_FAILED", message, rows? }`' })
@Controller('api/content/articles')
// Agents read the content; only admins change it.
@ApiBearerAuth()
@UseGuards(AuthGuard, RolesGuard)
@Roles('agent', 'admin')
export class ArticlesController {
  constructor(private readonly content: ContentService) {}

  @Get()
  @ApiOkResponse({ type: ArticlePageDto })
  list(@Query() q: ContentListQueryDto): Promise<ArticlePageDto> {
    return this.content.listArticles(q) as Promise<ArticlePageDto>;
  }

  @Get('export')
  @ApiOperation({ summary: 'All articles as JSON or CSV (without embeddings)' })
  @ApiOkResponse({ description: 'application/json array or text/csv' })
  async export(@Query() q: ExportQueryDto, @Res({ passthrough: true }) res: HttpResponse): Promise<string> {
    const format = q.format ?? 'json';
    res.setHeader('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="articles.${format}"`);
    return this.content.exportArticles(format);
  }

  @Post('import')
  @Roles('admin')
  @ApiOperation({ summary: 'Import articles (validated first, one transaction, then embedded for search)' })
  @ApiCreatedResponse({ type: ImportResultDto })
  @ApiConflictResponse({ description: 'never: slug clashes are CONTENT_INVALID row errors' })
  importAll(@Body() body: ImportBodyDto): Promise<ImportResultDto> {
    return this.content.importArticles(importPayload(body), body.format);
  }

  @Get(':id')
  @ApiOkResponse({ type: ArticleDto })
  @ApiNotFoundResponse({ description: 'CONTENT_NOT_FOUND' })
  get(@Param('id') id: string): Promise<ArticleDto> {
    return this.content.getArticle(id) as Promise<ArticleDto>;
  }

  @Post()
  @Roles('admin')
  @ApiCreatedResponse({ type: ArticleDto })
  @ApiConflictResponse({ description: 'CONTENT_CONFLICT: slug taken' })
  create(@Body() body: ArticleBodyDto): Promise<ArticleDto> {
    return this.content.createArticle(body) as Promise<ArticleDto>;
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOkResponse({ type: ArticleDto })
  @ApiNotFoundResponse({ description: 'CONTENT_NOT_FOUND' })
  @ApiConflictResponse({ description: 'CONTENT_CONFLICT: slug taken' })
  update(@Param('id') id: string, @Body() body: ArticleBodyDto): Promise<ArticleDto> {
    return this.content.updateArticle(id, body) as Promise<ArticleDto>;
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'CONTENT_NOT_FOUND' })
  remove(@Param('id') id: string): Promise<void> {
    return this.content.deleteArticle(id);
  }
}

import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ContentService } from '@app/answers';

export class HelpArticleDto {
  @ApiProperty() id: string;
  @ApiProperty() slug: string;
  @ApiProperty() title: string;
  @ApiProperty() body: string;
}

/**
 * The public side of the knowledge base: the widget links a retrieval answer's sources to `/help/:id`, which
 * reads the article here. Customers are anonymous, so only what a help centre shows leaves (no questions,
 * intent or source); editing stays behind the admin role in the content API.
 */
@ApiTags('help')
@Controller('api/help')
export class HelpController {
  constructor(private readonly content: ContentService) {}

  @Get('articles/:id')
  @ApiOkResponse({ type: HelpArticleDto })
  @ApiNotFoundResponse({ description: 'CONTENT_NOT_FOUND' })
  async article(@Param('id', new ParseUUIDPipe()) id: string): Promise<HelpArticleDto> {
    const article = await this.content.getArticle(id);
    return { id: article.id!, slug: article.slug, title: article.title, body: article.body };
  }
}

import { Module } from '@nestjs/common';
import { AnswersModule } from '@app/answers';
import { ArticlesController } from './articles.controller';
import { TemplatesController } from './templates.controller';

/** REST for answer templates and knowledge-base articles: CRUD plus JSON/CSV import and export. */
@Module({ imports: [AnswersModule], controllers: [TemplatesController, ArticlesController] })
export class ContentHttpModule {}

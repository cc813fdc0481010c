import { Module } from '@nestjs/common';
import { AnswersModule } from '@app/answers';
import { ArticlesController } from './articles.controller';
import { CannedResponsesController } from './canned-responses.controller';
import { TemplatesController } from './templates.controller';

/** REST for answer templates, knowledge-base articles and canned responses: CRUD plus JSON/CSV import and export. */
@Module({ imports: [AnswersModule], controllers: [TemplatesController, ArticlesController, CannedResponsesController] })
export class ContentHttpModule {}

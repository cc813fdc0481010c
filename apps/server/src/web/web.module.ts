import { Module } from '@nestjs/common';
import { AnswersModule } from '@app/answers';
import { HelpController } from './help.controller';
import { WebAssetsRepository } from './web-assets.repository';
import { WebController } from './web.controller';

/** The widget, the agent console, the admin area and the public help pages, served by the chat server. */
@Module({ imports: [AnswersModule], controllers: [WebController, HelpController], providers: [WebAssetsRepository] })
export class WebModule {}

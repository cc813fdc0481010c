import { Module } from '@nestjs/common';
import { WebAssetsRepository } from './web-assets.repository';
import { WebController } from './web.controller';

/** The widget, the agent console and the admin area: static files served by the chat server. */
@Module({ controllers: [WebController], providers: [WebAssetsRepository] })
export class WebModule {}

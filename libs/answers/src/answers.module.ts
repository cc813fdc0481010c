import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { AnswerTemplateRepository, CannedResponseRepository, KbArticleRepository } from '@app/database';
import * as nlu from '@app/nlu';
import { AnswersEmbedder, COMPANY_PROFILE, SLOT_TTL_SECONDS, SlotValueParser } from './answers.tokens';
import { ContentFilesRepository, loadCompanyProfile } from './content/content-files.repository';
import { CannedResponseService } from './content/canned-response.service';
import { ContentService } from './content/content.service';
import { FulfillmentClient } from './fulfillment/fulfillment.client';
import { NluAnswersEmbedder } from './nlu-answers.embedder';
import { RetrievalService } from './retrieval/retrieval.service';
import { EntityNormaliser, NluSlotValueParser } from './template/nlu-slot-value.parser';
import { TemplateService } from './template/template.service';

type NormaliseEntity = (label: string, text: string, ctx: { referenceTime: Date; timeZone: string }) => unknown;

/** `normaliseEntity` of @app/nlu when that lib exports it; null (spans kept as typed) until then. */
function nluNormaliser(): EntityNormaliser | null {
  const fn = (nlu as unknown as { normaliseEntity?: NormaliseEntity }).normaliseEntity;
  return typeof fn === 'function' ? (label, text) => fn(label, text, { referenceTime: new Date(), timeZone: 'UTC' }) : null;
}

/**
 * Templates, retrieval and content. Needs the global DatabaseModule (DataSource), the ConfigModule (APP_CONFIG) and,
 * somewhere in the app, NluModule (NluService, found lazily). Exports the three services and the company profile.
 */
@Module({
  providers: [
    AnswerTemplateRepository,
    KbArticleRepository,
    CannedResponseRepository,
    { provide: COMPANY_PROFILE, inject: [APP_CONFIG], useFactory: (c: AppConfig) => loadCompanyProfile(c.content.companyProfilePath) },
    { provide: SLOT_TTL_SECONDS, inject: [APP_CONFIG], useFactory: (c: AppConfig) => c.chat.slotTtlSeconds },
    { provide: ContentFilesRepository, useFactory: () => new ContentFilesRepository('content') },
    { provide: AnswersEmbedder, useClass: NluAnswersEmbedder },
    {
      provide: SlotValueParser,
      // Bare slot answers get the same typed values as tagged entities, from the NLU's own normalisers.
      useFactory: () => new NluSlotValueParser(nluNormaliser()),
    },
    TemplateService,
    RetrievalService,
    ContentService,
    CannedResponseService,
    FulfillmentClient,
  ],
  exports: [TemplateService, RetrievalService, ContentService, CannedResponseService, FulfillmentClient, COMPANY_PROFILE, AnswerTemplateRepository, KbArticleRepository],
})
export class AnswersModule {}

import { AnswerTemplate } from './answer-template.entity';
import { ApiTokenEntity } from './api-token.entity';
import { AppUserEntity } from './app-user.entity';
import { AuditLogEntity } from './audit-log.entity';
import { AuthSessionEntity } from './auth-session.entity';
import { CannedResponseEntity } from './canned-response.entity';
import { ConversationEntity } from './conversation.entity';
import { ConversationNoteEntity } from './conversation-note.entity';
import { CsatResponseEntity } from './csat-response.entity';
import { FeedbackEntity } from './feedback.entity';
import { KbArticle } from './kb-article.entity';
import { MessageEntity } from './message.entity';
import { ReviewItemEntity } from './review-item.entity';
import { SlotStateEntity } from './slot-state.entity';
import { TrainingExampleEntity } from './training-example.entity';
import { ModelVersionEntity } from './model-version.entity';
import { TrainingJobEventEntity } from './training-job-event.entity';
import { TrainingJobEntity } from './training-job.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';

export * from './answer-template.entity';
export * from './conversation.entity';
export * from './conversation-note.entity';
export * from './feedback.entity';
export * from './csat-response.entity';
export * from './canned-response.entity';
export * from './kb-article.entity';
export * from './message.entity';
export * from './review-item.entity';
export * from './slot-state.entity';
export * from './app-user.entity';
export * from './audit-log.entity';
export * from './auth-session.entity';
export * from './api-token.entity';
export * from './training-example.entity';
export * from './model-version.entity';
export * from './training-job.entity';
export * from './training-job-event.entity';
export * from './webhook-delivery.entity';

export const ENTITIES = [
  ConversationEntity,
  MessageEntity,
  ConversationNoteEntity,
  SlotStateEntity,
  FeedbackEntity,
  CsatResponseEntity,
  ReviewItemEntity,
  AnswerTemplate,
  CannedResponseEntity,
  KbArticle,
  AppUserEntity,
  AuthSessionEntity,
  ApiTokenEntity,
  AuditLogEntity,
  TrainingExampleEntity,
  ModelVersionEntity,
  TrainingJobEntity,
  TrainingJobEventEntity,
  WebhookDeliveryEntity,
];

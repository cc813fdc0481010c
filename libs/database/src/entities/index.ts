import { AnswerTemplate } from './answer-template.entity';
import { ConversationEntity } from './conversation.entity';
import { FeedbackEntity } from './feedback.entity';
import { KbArticle } from './kb-article.entity';
import { MessageEntity } from './message.entity';
import { ReviewItemEntity } from './review-item.entity';
import { SlotStateEntity } from './slot-state.entity';

export * from './answer-template.entity';
export * from './conversation.entity';
export * from './feedback.entity';
export * from './kb-article.entity';
export * from './message.entity';
export * from './review-item.entity';
export * from './slot-state.entity';

export const ENTITIES = [
  ConversationEntity,
  MessageEntity,
  SlotStateEntity,
  FeedbackEntity,
  ReviewItemEntity,
  AnswerTemplate,
  KbArticle,
];

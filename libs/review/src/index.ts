export * from './review-views';
export * from './review.module';
export * from './review.service';

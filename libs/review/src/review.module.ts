import { Module } from '@nestjs/common';
import { ReviewService } from './review.service';

/** The agent review queue. Needs DatabaseModule, ConfigModule and AuthModule (all global). */
@Module({
  providers: [ReviewService],
  exports: [ReviewService],
})
export class ReviewModule {}

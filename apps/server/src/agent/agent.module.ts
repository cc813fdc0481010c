import { Module } from '@nestjs/common';
import { ReviewModule } from '@app/review';
import { ChatEmitterModule } from '../gateways/chat-emitter.module';
import { AgentGateway } from './agent.gateway';
import { AuditController } from './audit.controller';
import { AuthController } from './auth.controller';
import { HandoffController } from './handoff.controller';
import { ReviewController } from './review.controller';
import { UsersController } from './users.controller';

/**
 * The agent console's transports: sign-in, accounts, review queue, live handoff and audit over REST, and the
 * `/agent` socket.io namespace. AuthModule and ConversationModule are global.
 */
@Module({
  imports: [ReviewModule, ChatEmitterModule],
  controllers: [AuthController, UsersController, ReviewController, HandoffController, AuditController],
  providers: [AgentGateway],
})
export class AgentModule {}

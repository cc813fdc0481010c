import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { AuthGuard, CurrentUser, Roles, RolesGuard } from '@app/auth';
import type { AgentMessageResult, AuthUser, HandoffView } from '@app/contracts';
import { HandoffService } from '@app/conversation';
import { AgentMessageBodyDto } from './agent.dto';

/** Live handoff over REST (the same as the `/agent` socket events, for integrations and scripts). */
@ApiTags('handoff')
@ApiBearerAuth()
@Controller('api')
@UseGuards(AuthGuard, RolesGuard)
@Roles('agent', 'admin')
export class HandoffController {
  constructor(private readonly handoffs: HandoffService) {}

  /** Conversations waiting for a human or with one, longest waiting first. */
  @Get('handoffs')
  queue(): Promise<HandoffView[]> {
    return this.handoffs.queue();
  }

  @Post('conversations/:id/take')
  @HttpCode(200)
  async take(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() user: AuthUser): Promise<HandoffView> {
    return (await this.handoffs.take(id, user)).view;
  }

  /** Hands the conversation back to the bot. */
  @Post('conversations/:id/release')
  @HttpCode(200)
  async release(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() user: AuthUser): Promise<HandoffView> {
    return (await this.handoffs.release(id, user)).view;
  }

  /** Resolves the conversation: closed for good; the customer's next message starts a new one. */
  @Post('conversations/:id/resolve')
  @HttpCode(200)
  async resolve(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() user: AuthUser): Promise<HandoffView> {
    return (await this.handoffs.resolve(id, user)).view;
  }

  @Post('conversations/:id/messages')
  @HttpCode(200)
  send(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: AgentMessageBodyDto, @CurrentUser() user: AuthUser): Promise<AgentMessageResult> {
    return this.handoffs.send(id, user, { clientMessageId: dto.clientMessageId ?? randomUUID(), text: dto.text });
  }
}

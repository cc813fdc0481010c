import { Logger, UseFilters, UsePipes } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayInit, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { AuthService, UnauthenticatedError } from '@app/auth';
import {
  Ack,
  AGENT_NAMESPACE,
  AgentMessageDto,
  AgentMessageResult,
  AGENTS_ROOM,
  agentConversationRoom,
  agentUserRoom,
  ackOk,
  AuthUser,
  ConversationRefDto,
  HandoffView,
} from '@app/contracts';
import { HandoffService } from '@app/conversation';
import { toErrorBody } from '../filters/error-body';
import { WsExceptionFilter } from '../filters/ws-exception.filter';
import { wsValidationPipe } from '../gateways/chat.gateway';
import { AgentNamespace, SocketChatEmitter } from '../gateways/socket-chat-emitter';

interface AgentSocketData {
  user?: AuthUser;
  token?: string;
}

/**
 * The agent console's socket.io endpoint (`/agent`). The handshake must carry `auth: { token }` of a signed-in
 * agent or admin, else `connect_error` with `data: { code, message }`. Every event re-checks the token, so a
 * logout, an expiry or a disabled account stops a socket that is already open.
 */
@WebSocketGateway({ namespace: AGENT_NAMESPACE })
@UseFilters(WsExceptionFilter)
@UsePipes(wsValidationPipe)
export class AgentGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly logger = new Logger('AgentGateway');

  constructor(
    private readonly auth: AuthService,
    private readonly handoffs: HandoffService,
    private readonly emitter: SocketChatEmitter,
  ) {}

  afterInit(namespace: AgentNamespace): void {
    this.emitter.attachAgents(namespace);
    namespace.use((socket, next) => {
      const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      const refuse = (error: unknown) => next(Object.assign(new Error('Connection refused'), { data: toErrorBody(error, 'agent handshake').body }));
      if (typeof token !== 'string') return refuse(new UnauthenticatedError('Connect with auth: { token } from POST /api/auth/login'));
      this.auth.verifyToken(token).then((user) => {
        Object.assign(socket.data as AgentSocketData, { user, token });
        next();
      }, refuse);
    });
  }

  /** Every console hears about the queue; an agent's own conversations follow it across reconnects. */
  async handleConnection(socket: Socket): Promise<void> {
    const user = (socket.data as AgentSocketData).user;
    if (!user) return;
    await socket.join([AGENTS_ROOM, agentUserRoom(user.id)]);
    const mine = (await this.handoffs.queue()).filter((h) => h.status === 'agent' && h.assignedAgent?.id === user.id);
    for (const h of mine) await socket.join(agentConversationRoom(h.conversationId));
    this.logger.log({ event: 'agent.connected', userId: user.id, role: user.role, conversations: mine.length });
  }

  @SubscribeMessage('handoff:take')
  async take(@ConnectedSocket() socket: Socket, @MessageBody() dto: ConversationRefDto): Promise<Ack<HandoffView>> {
    const { view } = await this.handoffs.take(dto.conversationId, await this.userOf(socket));
    await socket.join(agentConversationRoom(dto.conversationId));
    return ackOk(view);
  }

  @SubscribeMessage('handoff:release')
  async release(@ConnectedSocket() socket: Socket, @MessageBody() dto: ConversationRefDto): Promise<Ack<HandoffView>> {
    const { view } = await this.handoffs.release(dto.conversationId, await this.userOf(socket));
    await socket.leave(agentConversationRoom(dto.conversationId));
    return ackOk(view);
  }

  @SubscribeMessage('conversation:resolve')
  async resolve(@ConnectedSocket() socket: Socket, @MessageBody() dto: ConversationRefDto): Promise<Ack<HandoffView>> {
    const { view } = await this.handoffs.resolve(dto.conversationId, await this.userOf(socket));
    await socket.leave(agentConversationRoom(dto.conversationId));
    return ackOk(view);
  }

  @SubscribeMessage('agent:message')
  async message(@ConnectedSocket() socket: Socket, @MessageBody() dto: AgentMessageDto): Promise<Ack<AgentMessageResult>> {
    return ackOk(await this.handoffs.send(dto.conversationId, await this.userOf(socket), dto));
  }

  /** Follow a conversation's messages live without taking it. */
  @SubscribeMessage('conversation:watch')
  async watch(@ConnectedSocket() socket: Socket, @MessageBody() dto: ConversationRefDto): Promise<Ack<{ ok: true }>> {
    await this.userOf(socket);
    await this.handoffs.get(dto.conversationId);
    await socket.join(agentConversationRoom(dto.conversationId));
    return ackOk({ ok: true });
  }

  @SubscribeMessage('conversation:unwatch')
  async unwatch(@ConnectedSocket() socket: Socket, @MessageBody() dto: ConversationRefDto): Promise<Ack<{ ok: true }>> {
    await socket.leave(agentConversationRoom(dto.conversationId));
    return ackOk({ ok: true });
  }

  @SubscribeMessage('typing:start')
  async typingStart(@ConnectedSocket() socket: Socket, @MessageBody() dto: ConversationRefDto): Promise<Ack<{ ok: true }>> {
    return this.typing(socket, dto.conversationId, 'start');
  }

  @SubscribeMessage('typing:stop')
  async typingStop(@ConnectedSocket() socket: Socket, @MessageBody() dto: ConversationRefDto): Promise<Ack<{ ok: true }>> {
    return this.typing(socket, dto.conversationId, 'stop');
  }

  /** Only the agent who has the conversation shows as typing to the customer. */
  private async typing(socket: Socket, conversationId: string, state: 'start' | 'stop'): Promise<Ack<{ ok: true }>> {
    const user = await this.userOf(socket);
    const handoff = await this.handoffs.get(conversationId);
    if (handoff.status === 'agent' && handoff.assignedAgent?.id === user.id) this.emitter.typing(conversationId, state, { author: 'agent' });
    return ackOk({ ok: true });
  }

  /** The socket's user, re-checked against the session store (logout, expiry, disabled account). */
  private async userOf(socket: Socket): Promise<AuthUser> {
    const data = socket.data as AgentSocketData;
    if (!data.token) throw new UnauthenticatedError();
    try {
      return await this.auth.verifyToken(data.token);
    } catch (error) {
      // The session is over: refuse this event, then close the socket so the console signs in again.
      setImmediate(() => socket.disconnect(true));
      throw error;
    }
  }
}

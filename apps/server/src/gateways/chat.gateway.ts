import { Logger, UseFilters, UsePipes, ValidationPipe } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayInit, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import {
  Ack,
  ackOk,
  ChatEvent,
  ContactDto,
  ContactResult,
  ConversationNotStartedError,
  conversationRoom,
  CsatDto,
  CsatResult,
  FeedbackDto,
  FeedbackResult,
  HandoffRequestDto,
  HandoffRequestResult,
  SendMessageDto,
  SendMessageResult,
  StartConversationDto,
  StartConversationResult,
  ValidationFailedError,
  WIDGET_NAMESPACE,
} from '@app/contracts';
import { ContactService, ConversationService, CsatService } from '@app/conversation';
import { WsExceptionFilter } from '../filters/ws-exception.filter';
import { SocketChatEmitter, WidgetNamespace } from './socket-chat-emitter';
import { toErrorBody } from '../filters/error-body';

interface SocketData {
  conversationId?: string;
}

export const wsValidationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  exceptionFactory: (errors) =>
    new ValidationFailedError(
      errors.length === 0 ? 'Payload must be an object' : errors.flatMap((e) => Object.values(e.constraints ?? { [e.property]: `${e.property} is invalid` })).join('; '),
    ),
});

/**
 * The customer widget's socket.io endpoint. Handlers validate, call one ConversationService method and
 * return the ack; server push goes through {@link SocketChatEmitter}.
 */
@WebSocketGateway({ namespace: WIDGET_NAMESPACE })
@UseFilters(WsExceptionFilter)
@UsePipes(wsValidationPipe)
export class ChatGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly logger = new Logger('ChatGateway');

  constructor(
    private readonly conversations: ConversationService,
    private readonly csat: CsatService,
    private readonly contact: ContactService,
    private readonly emitter: SocketChatEmitter,
  ) {}

  /**
   * A socket may authenticate up front with `auth: { token }` (resuming without `conversation:start`). A bad
   * token refuses the connection: the client gets `connect_error` whose `data` is `{ code, message }`.
   */
  afterInit(namespace: WidgetNamespace): void {
    this.emitter.attach(namespace);
    namespace.use((socket, next) => {
      const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      if (token === undefined) return next();
      const refuse = (error: unknown) => next(Object.assign(new Error('Connection refused'), { data: toErrorBody(error, 'ws handshake').body }));
      if (typeof token !== 'string') return refuse(new ValidationFailedError('auth.token must be a string'));
      this.conversations.authenticate(token).then((conversation) => {
        (socket.data as SocketData).conversationId = conversation.id;
        next();
      }, refuse);
    });
  }

  handleConnection(socket: Socket): void {
    const id = (socket.data as SocketData).conversationId;
    if (id) this.join(socket, id);
  }

  @SubscribeMessage(ChatEvent.ConversationStart)
  async start(@ConnectedSocket() socket: Socket, @MessageBody() dto: StartConversationDto): Promise<Ack<StartConversationResult>> {
    const result = await this.conversations.start(dto);
    this.join(socket, result.conversationId);
    return ackOk(result);
  }

  @SubscribeMessage(ChatEvent.MessageSend)
  async send(@ConnectedSocket() socket: Socket, @MessageBody() dto: SendMessageDto): Promise<Ack<SendMessageResult>> {
    return ackOk(await this.conversations.receive(this.conversationOf(socket), dto));
  }

  @SubscribeMessage(ChatEvent.HandoffRequest)
  async handoff(@ConnectedSocket() socket: Socket, @MessageBody() dto: HandoffRequestDto): Promise<Ack<HandoffRequestResult>> {
    return ackOk(await this.conversations.requestHandoff(this.conversationOf(socket), dto.reason));
  }

  @SubscribeMessage(ChatEvent.FeedbackSend)
  async feedback(@ConnectedSocket() socket: Socket, @MessageBody() dto: FeedbackDto): Promise<Ack<FeedbackResult>> {
    return ackOk(await this.conversations.rate(this.conversationOf(socket), dto));
  }

  @SubscribeMessage(ChatEvent.CsatSend)
  async csatSend(@ConnectedSocket() socket: Socket, @MessageBody() dto: CsatDto): Promise<Ack<CsatResult>> {
    return ackOk(await this.csat.rate(this.conversationOf(socket), dto));
  }

  @SubscribeMessage(ChatEvent.ContactSend)
  async contactSend(@ConnectedSocket() socket: Socket, @MessageBody() dto: ContactDto): Promise<Ack<ContactResult>> {
    return ackOk(await this.contact.leave(this.conversationOf(socket), dto.email));
  }

  @SubscribeMessage(ChatEvent.TypingStart)
  typingStart(@ConnectedSocket() socket: Socket): Ack<{ ok: true }> {
    this.conversations.typing(this.conversationOf(socket), 'start', socket.id);
    return ackOk({ ok: true });
  }

  @SubscribeMessage(ChatEvent.TypingStop)
  typingStop(@ConnectedSocket() socket: Socket): Ack<{ ok: true }> {
    this.conversations.typing(this.conversationOf(socket), 'stop', socket.id);
    return ackOk({ ok: true });
  }

  private join(socket: Socket, conversationId: string): void {
    const data = socket.data as SocketData;
    // One conversation per socket: starting another one leaves the previous room.
    if (data.conversationId && data.conversationId !== conversationId) void socket.leave(conversationRoom(data.conversationId));
    data.conversationId = conversationId;
    void socket.join(conversationRoom(conversationId));
    this.logger.debug({ event: 'socket.joined', conversationId, socketId: socket.id });
  }

  private conversationOf(socket: Socket): string {
    const id = (socket.data as SocketData).conversationId;
    if (!id) throw new ConversationNotStartedError();
    return id;
  }
}

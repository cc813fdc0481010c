import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import { APP_CONFIG, AppConfig } from '@app/config';
import {
  AgentClientToServerEvents,
  AgentMessage,
  AGENTS_ROOM,
  agentConversationRoom,
  agentUserRoom,
  AgentServerToClientEvents,
  BotReply,
  ChatEvent,
  ClientToServerEvents,
  ConversationContact,
  ConversationStatusEvent,
  conversationRoom,
  ErrorCode,
  HandoffQueued,
  MessageView,
  NoteView,
  ReviewItemView,
  ServerToClientEvents,
  TypingEvent,
} from '@app/contracts';
import { ChatEmitter, HandoffChange, toHandoffView } from '@app/conversation';
import { HandoffRepository, ReviewQueueRepository } from '@app/database';
import { toReviewItemView } from '@app/review';

export type WidgetNamespace = Namespace<ClientToServerEvents, ServerToClientEvents>;
export type AgentNamespace = Namespace<AgentClientToServerEvents, AgentServerToClientEvents>;

const HANDOFF_EVENT = { new: 'handoff:new', taken: 'handoff:taken', released: 'handoff:released', resolved: 'handoff:resolved' } as const;
/** How long a handoff waits for the other instances to say how many agent consoles they hold. */
const AGENTS_ONLINE_TIMEOUT_MS = 1_000;

/**
 * {@link ChatEmitter} over socket.io: the `/widget` namespace (every socket of a conversation is in its room)
 * and the `/agent` namespace (every console in {@link AGENTS_ROOM}; those that took or watch a conversation
 * also in its agent room).
 */
@Injectable()
export class SocketChatEmitter extends ChatEmitter {
  private readonly logger = new Logger('SocketChatEmitter');
  private namespace: WidgetNamespace | null = null;
  private agents: AgentNamespace | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly handoffs: HandoffRepository,
    private readonly reviews: ReviewQueueRepository,
  ) {
    super();
  }

  attach(namespace: WidgetNamespace): void {
    this.namespace = namespace;
  }

  attachAgents(namespace: AgentNamespace): void {
    this.agents = namespace;
  }

  botReply(conversationId: string, reply: BotReply): void {
    this.namespace?.to(conversationRoom(conversationId)).emit(ChatEvent.BotReply, reply);
    this.toFollowers(conversationId, {
      messageId: reply.messageId,
      seq: reply.seq,
      direction: 'out',
      author: 'bot',
      text: reply.text,
      clientMessageId: null,
      replyTo: reply.replyTo,
      route: reply.route,
      intent: reply.intent,
      confidence: reply.confidence,
      createdAt: reply.createdAt,
    });
  }

  handoffQueued(conversationId: string, event: HandoffQueued): void {
    this.namespace?.to(conversationRoom(conversationId)).emit(ChatEvent.HandoffQueued, event);
  }

  typing(conversationId: string, state: 'start' | 'stop', event: TypingEvent, exceptSocketId?: string): void {
    const room = this.namespace?.to(conversationRoom(conversationId));
    const target = exceptSocketId ? room?.except(exceptSocketId) : room;
    target?.emit(state === 'start' ? ChatEvent.TypingStart : ChatEvent.TypingStop, event);
    if (event.author === 'customer') this.agents?.to(agentConversationRoom(conversationId)).emit(`typing:${state}`, { ...event, conversationId });
  }

  override agentMessage(conversationId: string, message: AgentMessage, view: MessageView): void {
    this.namespace?.to(conversationRoom(conversationId)).emit(ChatEvent.AgentMessage, message);
    this.toFollowers(conversationId, view);
  }

  override conversationStatus(conversationId: string, event: ConversationStatusEvent): void {
    this.namespace?.to(conversationRoom(conversationId)).emit(ChatEvent.ConversationStatus, event);
    if (event.message) this.toFollowers(conversationId, event.message);
  }

  override conversationDeleted(conversationId: string): void {
    const room = conversationRoom(conversationId);
    // Through the adapter: the sockets may sit on other instances. A socket that sends on anyway gets the same
    // code in its ack (the conversation is gone).
    this.namespace?.to(room).emit(ChatEvent.Error, { code: ErrorCode.ConversationNotFound, message: 'This conversation was deleted' });
    this.namespace?.in(room).socketsLeave(room);
    this.agents?.in(agentConversationRoom(conversationId)).socketsLeave(agentConversationRoom(conversationId));
    this.agents?.to(AGENTS_ROOM).emit('conversation:deleted', { conversationId });
  }

  override contactLeft(conversationId: string, event: ConversationContact): void {
    this.namespace?.to(conversationRoom(conversationId)).emit(ChatEvent.ConversationContact, event);
    // Every console: the queue shows who left an email; the confirmation goes to those following the conversation.
    this.agents?.to(AGENTS_ROOM).emit(ChatEvent.ConversationContact, event);
    this.toFollowers(conversationId, event.message);
  }

  override noteAdded(conversationId: string, note: NoteView): void {
    this.agents?.to(agentConversationRoom(conversationId)).emit('conversation:note', note);
  }

  override customerMessage(conversationId: string, message: MessageView): void {
    this.toFollowers(conversationId, message);
  }

  /** Loads the conversation's queue entry and tells every console; a failed lookup is logged, never thrown. */
  override handoffChanged(conversationId: string, change: HandoffChange): void {
    if (!this.agents) return;
    this.handoffs.find(conversationId).then(
      (row) => {
        if (!row) return;
        // Taken over REST or from one tab: every console of that agent follows the conversation from now on.
        if (change === 'taken' && row.assignedAgent) this.agents?.in(agentUserRoom(row.assignedAgent.id)).socketsJoin(agentConversationRoom(conversationId));
        this.agents?.to(AGENTS_ROOM).emit(HANDOFF_EVENT[change], toHandoffView(row));
      },
      (error: unknown) => this.logger.error({ event: 'emit.handoff_failed', conversationId, err: String(error) }),
    );
  }

  override reviewQueued(messageId: string, item?: ReviewItemView): void {
    if (!this.consolesMayListen()) return;
    // A turn hands over the item it just queued; the read is for the rarer callers (feedback, a flag).
    if (item) {
      this.agents?.to(AGENTS_ROOM).emit('review:new', item);
      return;
    }
    this.reviews.findByMessageId(messageId).then(
      (row) => row && this.agents?.to(AGENTS_ROOM).emit('review:new', toReviewItemView(row)),
      (error: unknown) => this.logger.error({ event: 'emit.review_failed', messageId, err: String(error) }),
    );
  }

  /** A decided review item, to every console (not on the port: only the agent REST side decides). */
  reviewUpdated(item: ReviewItemView): void {
    this.agents?.to(AGENTS_ROOM).emit('review:updated', item);
  }

  /**
   * Agent consoles connected now. One instance: its own room. With Redis: every instance's, asked through the
   * adapter; an instance that does not answer within AGENTS_ONLINE_TIMEOUT_MS makes it unknown (null), so a
   * handoff never waits long for it and never says "nobody is online" on a guess.
   */
  override async agentsOnline(): Promise<number | null> {
    if (!this.agents) return null;
    if (this.config.redis.url === null) return this.localConsoles();
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer from every instance')), AGENTS_ONLINE_TIMEOUT_MS)));
      return (await Promise.race([this.agents.in(AGENTS_ROOM).fetchSockets(), timeout])).length;
    } catch (error) {
      this.logger.warn({ event: 'agents.online_unknown', message: (error as Error).message });
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * False only when no console can hear it: a single instance (no Redis) with no console connected. Saves the
   * lookup on the turn path of a server nobody watches; with Redis the consoles may sit on another instance.
   */
  private consolesMayListen(): boolean {
    if (!this.agents) return false;
    return this.config.redis.url !== null || this.localConsoles() > 0;
  }

  /** Agent consoles connected to this instance. */
  private localConsoles(): number {
    return this.agents?.adapter.rooms.get(AGENTS_ROOM)?.size ?? 0;
  }

  private toFollowers(conversationId: string, message: MessageView): void {
    this.agents?.to(agentConversationRoom(conversationId)).emit('conversation:message', { conversationId, message });
  }
}

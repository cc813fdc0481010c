import 'reflect-metadata';
import { IsString, IsUUID, Length } from 'class-validator';
import { AckCallback } from './ack';
import { ConversationContact, ConversationStatus, CustomerView, MessageView, ReviewReason, TypingEvent } from './chat.types';
import { ErrorBody } from './error-codes';
import { Entity, IntentScore } from './nlu';

/*
 * The agent console's side: accounts, the review queue, live handoff and the `/agent` socket.io namespace.
 * The REST shapes (`docs/api-agent.md`) and the socket events share these types.
 */

/** socket.io namespace of the agent console; handshake `auth: { token }` with a login token. */
export const AGENT_NAMESPACE = '/agent';

export type UserRole = 'agent' | 'admin';
export const USER_ROLES: readonly UserRole[] = ['agent', 'admin'];

/** A signed-in agent or admin, as guards and services see them. */
export interface AuthUser {
  id: string;
  email: string;
  name: string;
  role: UserRole;
}

export interface UserView extends AuthUser {
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface LoginResult {
  /** Opaque bearer token: send as `Authorization: Bearer <token>` or socket `auth: { token }`. */
  token: string;
  expiresAt: string;
  user: AuthUser;
}

/** A personal API token as its owner lists it: never the token itself, which is shown once, at creation. */
export interface ApiTokenView {
  id: string;
  name: string;
  /** The token's first characters (`pat_` and 8 more). */
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  /** Whose token it is (in the admins' list of everyone's tokens). */
  owner?: { id: string; email: string; name: string };
}

export interface ApiTokenCreated extends ApiTokenView {
  /** The bearer token: shown this once, only its sha256 is kept. */
  token: string;
}

// ---- review queue ------------------------------------------------------------------------------

export type ReviewStatus = 'pending' | 'confirmed' | 'corrected';

/** An entity span a reviewer confirms or edits: character offsets into the customer's text, end exclusive. */
export interface EntitySpan {
  start: number;
  end: number;
  label: string;
}

/** One row of the review queue. */
export interface ReviewItemView {
  id: string;
  status: ReviewStatus;
  reason: ReviewReason;
  conversationId: string;
  /** The customer message under review (its text is what gets labelled). */
  messageId: string;
  text: string;
  /** The bot reply that answered it (null for a flagged customer message the bot never answered). */
  replyId: string | null;
  route: string | null;
  intent: string | null;
  confidence: number | null;
  createdAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
}

/** A review item with everything a reviewer needs to decide. */
export interface ReviewDetailView extends ReviewItemView {
  /** The full predicted ranking with calibrated confidences and raw logits. */
  ranking: IntentScore[];
  /** Predicted entity spans (with scores and typed values). */
  entities: Entity[];
  modelVersion: string | null;
  /** The conversation's messages around the reviewed one (oldest first). */
  context: MessageView[];
  /** The training example a previous decision wrote, if any. */
  label: { intent: string; entities: EntitySpan[]; createdBy: string | null; updatedAt: string } | null;
}

/**
 * A page of a keyset-paginated list fetched with `limit + 1` rows: the extra row only says there is more, and
 * the last item's id is the cursor of the next page.
 */
export function keysetPage<T extends { id: string }>(rows: readonly T[], limit: number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit && items.length ? items[items.length - 1].id : null };
}

export interface ReviewPage {
  items: ReviewItemView[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface ReviewDecisionPayload {
  /** `confirm`: the prediction was right. `correct`: use `intent` and/or `entities` instead. */
  action: 'confirm' | 'correct';
  intent?: string;
  entities?: EntitySpan[];
}

export interface ReviewDecisionResult {
  item: ReviewItemView;
  trainingExampleId: string;
}

// ---- training examples (written by reviews, transcript import; read by retraining) -----------------

export type TrainingExampleSource = 'review' | 'transcript' | 'import';

export interface TrainingExampleView {
  id: string;
  text: string;
  intent: string;
  entities: EntitySpan[];
  source: TrainingExampleSource;
  messageId: string | null;
  conversationId: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

// ---- handoff -----------------------------------------------------------------------------------

/** A conversation handed to humans: waiting for an agent (`handoff_requested`) or with one (`agent`). */
export interface HandoffView {
  conversationId: string;
  status: ConversationStatus;
  /** When the customer asked for a human. */
  requestedAt: string | null;
  assignedAgent: { id: string; name: string } | null;
  lastMessage: MessageView | null;
  /** The verified customer (identified widget), or null for an anonymous visitor. */
  customer: CustomerView | null;
  /** The email the customer left for an answer (not verified), or null. */
  contactEmail: string | null;
}

/**
 * `GET /api/conversations/:id/drafts`: replies a person could send, drafted from the answer templates of the intents
 * the model ranked likeliest on the customer's latest understood message, filled with the entities the customer gave.
 * The agent edits one and sends it as their own message; nothing is sent by asking.
 */
export interface ReplyDraftsView {
  /** The customer message the drafts answer; null when no customer message of the conversation was understood. */
  basedOn: { messageId: string; seq: number; text: string } | null;
  items: ReplyDraftView[];
  /** Knowledge-base articles that answer the message (the bot's retrieval search and cut-off), best first. */
  articles: ReplyArticleDraftView[];
}

export interface ReplyArticleDraftView {
  articleId: string;
  slug: string;
  title: string;
  /** Fused search score, 0..1. */
  score: number;
  /** What the bot says when it answers from the article. */
  text: string;
}

export interface ReplyDraftView {
  intent: string;
  /** The calibrated probability the model gave the intent on that message. */
  confidence: number;
  templateId: string;
  /** The template's name ("How to cancel an order"). */
  name: string;
  text: string;
  /** Required entities the customer has not given: the text is then the template's question for the first. */
  missing: string[];
}

/** Pushed to the widget (and agents) when a handed-off conversation changes hands. */
export interface ConversationStatusEvent {
  conversationId: string;
  status: ConversationStatus;
  /** The stored system message that says so ("Alex joined the conversation"). */
  message: MessageView | null;
}

export interface AgentMessagePayload {
  conversationId: string;
  /** Client-chosen id; resending it never creates a second message. */
  clientMessageId: string;
  text: string;
}

export interface AgentMessageResult {
  messageId: string;
  seq: number;
  duplicate: boolean;
}

/** A message of a conversation the agent has taken or watches, pushed live. */
export interface ConversationMessageEvent {
  conversationId: string;
  message: MessageView;
}

export interface AuditEntryView {
  id: string;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
  createdAt: string;
}

// ---- /agent socket events --------------------------------------------------------------------------

export const AgentEvent = {
  ReviewNew: 'review:new',
  ReviewUpdated: 'review:updated',
  HandoffNew: 'handoff:new',
  HandoffTaken: 'handoff:taken',
  HandoffReleased: 'handoff:released',
  ConversationMessage: 'conversation:message',
  ConversationDeleted: 'conversation:deleted',
  HandoffTake: 'handoff:take',
  HandoffRelease: 'handoff:release',
  AgentMessage: 'agent:message',
  ConversationWatch: 'conversation:watch',
  ConversationUnwatch: 'conversation:unwatch',
  TypingStart: 'typing:start',
  TypingStop: 'typing:stop',
  Error: 'error',
} as const;

export interface ConversationRefPayload {
  conversationId: string;
}

export interface AgentTypingPayload {
  conversationId: string;
}

/** What the agent console sends. Every event takes an optional ack callback. */
export interface AgentClientToServerEvents {
  'handoff:take': (payload: ConversationRefPayload, ack?: AckCallback<HandoffView>) => void;
  'handoff:release': (payload: ConversationRefPayload, ack?: AckCallback<HandoffView>) => void;
  /** Resolve the conversation: closed for good, the customer's next message starts a new one. */
  'conversation:resolve': (payload: ConversationRefPayload, ack?: AckCallback<HandoffView>) => void;
  'agent:message': (payload: AgentMessagePayload, ack?: AckCallback<AgentMessageResult>) => void;
  /** Receive `conversation:message` for a conversation without taking it. */
  'conversation:watch': (payload: ConversationRefPayload, ack?: AckCallback<{ ok: true }>) => void;
  'conversation:unwatch': (payload: ConversationRefPayload, ack?: AckCallback<{ ok: true }>) => void;
  'typing:start': (payload: AgentTypingPayload, ack?: AckCallback<{ ok: true }>) => void;
  'typing:stop': (payload: AgentTypingPayload, ack?: AckCallback<{ ok: true }>) => void;
}

/** What the server pushes to agent consoles. */
export interface AgentServerToClientEvents {
  'review:new': (item: ReviewItemView) => void;
  'review:updated': (item: ReviewItemView) => void;
  'handoff:new': (handoff: HandoffView) => void;
  'handoff:taken': (handoff: HandoffView) => void;
  'handoff:released': (handoff: HandoffView) => void;
  /** An agent resolved the conversation (status `closed`): it leaves the live list. */
  'handoff:resolved': (handoff: HandoffView) => void;
  'conversation:message': (event: ConversationMessageEvent) => void;
  /** An agent added a private note to a conversation this console follows. */
  'conversation:note': (note: NoteView) => void;
  /** A customer left an email for the answer (not verified); to every console. */
  'conversation:contact': (event: ConversationContact) => void;
  /** An admin erased the conversation: drop its handoff and review rows. */
  'conversation:deleted': (event: ConversationRefPayload) => void;
  'typing:start': (event: TypingEvent & { conversationId: string }) => void;
  'typing:stop': (event: TypingEvent & { conversationId: string }) => void;
  error: (error: ErrorBody) => void;
}

/** An agent's private note on a conversation: for agents only, never shown or sent to the customer. */
export interface NoteView {
  id: string;
  conversationId: string;
  author: { id: string; name: string } | null;
  text: string;
  createdAt: string;
}

/** Room of every connected agent console (queue and handoff notifications). */
export const AGENTS_ROOM = 'agents';
/** Room of every socket of one agent (several tabs, several server instances). */
export const agentUserRoom = (userId: string): string => `agent-user:${userId}`;
/** Room of the agent sockets that took or watch one conversation. */
export const agentConversationRoom = (conversationId: string): string => `agent-conversation:${conversationId}`;

// ---- validated socket payloads -----------------------------------------------------------------

export class ConversationRefDto implements ConversationRefPayload {
  @IsUUID()
  conversationId: string;
}

export class AgentMessageDto implements AgentMessagePayload {
  @IsUUID()
  conversationId: string;

  @IsString()
  @Length(1, 100)
  clientMessageId: string;

  /** Type only; emptiness and length are checked by the service with their own codes. */
  @IsString()
  text: string;
}

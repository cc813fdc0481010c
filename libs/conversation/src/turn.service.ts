import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { APP_CONFIG, AppConfig } from '@app/config';
import type { BotReply, Entity, FulfillmentOutcome, FulfillmentRequest, NluResult, ReplyRoute, ReplySource, ReviewItemView, ReviewReason, Suggestion } from '@app/contracts';
import { ConversationRepository, isDatabaseUnavailable, MessageEntity, SlotChange, SlotStateEntity, StoredReply, TurnRepository, TurnSession, Unanswered } from '@app/database';
import { customerOf } from './customer-identity';
import { ChatEmitter } from './chat-emitter';
import { HandoffService } from './handoff.service';
import { KeyedMutex } from './keyed-mutex';
import { toBotReply } from './message-view';
import { afterNoTemplate, answerToOffer, asksForPerson, effectiveThresholds, firstRoute, MAX_SUGGESTIONS, reviewReason, suggestionCandidates, Thresholds } from './policy';
import { articleReplyText, FulfillmentPort, NluPort, PendingSlot, RetrievalPort, TemplateOutcome, TemplatePort } from './ports';
import { TurnContextCache } from './turn-context';
import { TurnMetrics } from './turn-metrics.service';

export const FALLBACK_TEXT = "Sorry, I'm not sure I understood. Could you rephrase that, or would you like to talk to a person?";
export const TALK_TO_A_PERSON: Suggestion = { text: 'Talk to a person', action: 'handoff:request' };
/** The bot's reply to a confident handoff intent ("can I talk to a human?"), before the handoff's system message. */
export const HANDOFF_ACK_TEXT = "Sure, I'll get a person for you.";
/** The bot's reply to "no" right after the fallback offered a person. */
export const OFFER_DECLINED_TEXT = "Okay. Could you tell me in other words what you need? I'll do my best to help.";
/** Waits before retrying a turn the database refused (unreachable, restarting); after the last, the sweeper retries. */
const RETRY_DELAYS_MS = [250, 1_000, 3_000];
/** Conversations one sweep queues at most. */
const SWEEP_BATCH = 100;
/** Webhook calls one run of a conversation's turns makes at most; a decision that would need another uses the template's text. */
const MAX_FULFILLMENT_CALLS = 2;

/** What the bot decided to say for one inbound message, before it is stored. */
export interface TurnDecision {
  route: Exclude<ReplyRoute, 'agent'>;
  text: string;
  nlu: NluResult | null;
  thresholds: Thresholds | null;
  sources: ReplySource[] | null;
  suggestions: Suggestion[];
  /** What happens to the conversation's slot state: keep as is, clear, or store this open question. */
  slot: 'keep' | 'clear' | PendingSlot;
  /**
   * Hand the conversation to a person once the reply is sent: a confident CHAT_HANDOFF_INTENTS intent, "yes" to
   * the person the fallback offered, or the fulfillment webhook asking for it.
   */
  handoff?: 'intent' | 'offer' | 'webhook';
  /** The template answers through the webhook, which has not been called yet: nothing is stored (see answerPending). */
  fulfil?: Fulfil;
}

/** A webhook call a decision waits for, keyed by what it asks (the same message, template and slots). */
interface Fulfil {
  key: string;
  request: FulfillmentRequest;
}

/** Webhook outcomes of one run of a conversation's turns, by Fulfil.key. */
type Fulfilled = Map<string, FulfillmentOutcome>;

/** Stores a turn's reply (null: not stored, send nothing): {@link TurnSession.appendBotReply} or its unlocked variant. */
type StoreReply = TurnSession['appendBotReply'];

/** What the conversation looked like when the message came: its open slot question and the bot reply just before it. */
type Context = Omit<Unanswered, 'messages'>;

/** A reply stored for one inbound message, with what it takes to send, count and log it. */
interface Answered {
  inbound: MessageEntity;
  reply: MessageEntity;
  decision: TurnDecision;
  nluMs: number | null;
  started: number;
  /** The slot state the reply left. */
  slot: SlotStateEntity | null;
  /** The review item the reply's statement queued, as agent consoles list it. */
  review: ReviewItemView | null;
}

/**
 * One bot turn: NLU → policy → answer → persist reply → emit. Turns of a conversation run one at a time,
 * in seq order, and a message is answered at most once (also across restarts: unanswered messages are
 * picked up on the next turn or resume).
 */
@Injectable()
export class TurnService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Turn');
  private readonly mutex = new KeyedMutex();
  private readonly contexts = new TurnContextCache();
  private readonly receivedAt = new Map<string, number>();
  /**
   * Time turns of this instance spent waiting for the fulfillment webhook, by inbound message id: the milliseconds
   * of finished calls and the start of the current one. Admission control does not count it as queueing (see backlog).
   */
  private readonly webhookWait = new Map<string, { ms: number; since: number | null }>();
  /** Callers waiting for the reply to a stored message, by its id (see replyTo). */
  private readonly replyWaiters = new Map<string, Set<(reply: BotReply | null) => void>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly nlu: NluPort,
    private readonly templates: TemplatePort,
    private readonly retrieval: RetrievalPort,
    private readonly turns: TurnRepository,
    private readonly emitter: ChatEmitter,
    private readonly metrics: TurnMetrics,
    private readonly handoff: HandoffService,
    private readonly fulfillment: FulfillmentPort,
    private readonly conversations: ConversationRepository,
  ) {
    this.handoffIntents = new Set(config.chat.handoffIntents);
  }

  private readonly handoffIntents: ReadonlySet<string>;
  /** Whether a suggestion's text reads back as its intent, by model version, intent and text (see didYouMean). */
  private readonly suggestionChecks = new Map<string, boolean>();

  /**
   * Queues "answer everything unanswered" for the conversation; returns when that run finished. `inbound` is the
   * message just stored, when there is one: it lets the turn skip reading the backlog back (see TurnContextCache).
   */
  schedule(conversationId: string, inbound?: MessageEntity): Promise<void> {
    if (inbound) this.receivedAt.set(inbound.id, performance.now());
    return this.mutex
      .run(conversationId, () => this.whileDatabaseAway('turn.retry', conversationId, () => this.answerPending(conversationId, inbound)))
      .catch((error: unknown) => {
        this.logger.error({ event: 'turn.failed', conversationId, err: describe(error) });
      })
      .finally(() => {
        if (!inbound) return;
        this.receivedAt.delete(inbound.id);
        this.webhookWait.delete(inbound.id);
      });
  }

  /**
   * Queues the conversations whose last customer message has waited longer than `chat.sweepAfterSeconds` (a server
   * stopped or crashed mid-turn, the database was away longer than the retries). One another instance is working
   * on is skipped (`onlyIfFree`): it answers, and the unique reply per message keeps it exactly once anyway.
   * Returns how many were queued.
   */
  async sweep(): Promise<number> {
    const ids = await this.turns.findStalled(this.config.chat.sweepAfterSeconds, SWEEP_BATCH);
    const queued = ids.filter((id) => !this.mutex.has(id));
    for (const id of queued) {
      void this.mutex
        .run(id, () => this.answerPending(id, undefined, true))
        .catch((error: unknown) => this.logger.error({ event: 'turn.failed', conversationId: id, swept: true, err: describe(error) }));
    }
    if (queued.length > 0) this.logger.warn({ event: 'turn.swept', conversations: queued.length });
    return queued.length;
  }

  /**
   * Turns of this instance queued or running for a stored message, and how long the oldest and the middle one
   * (index ⌊n/2⌋) have waited (admission control). `receivedAt` keeps insertion order: oldest first. Time spent
   * waiting for the fulfillment webhook is not waiting for this server: a slow webhook must not make every other
   * customer's message BUSY, so it is taken off those turns' ages (they still count in `pending`).
   */
  backlog(): { pending: number; oldestMs: number; medianMs: number } {
    const now = performance.now();
    if (this.webhookWait.size > 0) {
      const ages = [...this.receivedAt].map(([id, at]) => now - at - this.webhookMs(id, now)).sort((a, b) => b - a);
      return { pending: ages.length, oldestMs: ages[0] ?? 0, medianMs: ages[Math.floor(ages.length / 2)] ?? 0 };
    }
    const middle = Math.floor(this.receivedAt.size / 2);
    let oldest = now;
    let median = now;
    let i = 0;
    for (const at of this.receivedAt.values()) {
      if (i === 0) oldest = at;
      if (i++ === middle) {
        median = at;
        break;
      }
    }
    return { pending: this.receivedAt.size, oldestMs: now - oldest, medianMs: now - median };
  }

  /**
   * The reply to the stored message `messageId` as this instance delivers it (with its buttons), or null after
   * `timeoutMs`: for a caller that answers in one request (the REST channel). A reply stored before the call, or sent
   * by another instance, is not seen here; read it from the database.
   */
  replyTo(messageId: string, timeoutMs: number): Promise<BotReply | null> {
    return new Promise((resolve) => {
      const waiters = this.replyWaiters.get(messageId) ?? new Set<(reply: BotReply | null) => void>();
      const done = (reply: BotReply | null) => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && this.replyWaiters.get(messageId) === waiters) this.replyWaiters.delete(messageId);
        resolve(reply);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      timer.unref();
      waiters.add(done);
      this.replyWaiters.set(messageId, waiters);
    });
  }

  /** Waits for queued turns (shutdown, tests). */
  drain(): Promise<void> {
    return this.mutex.drain();
  }

  /** Lets queued turns finish before the database closes; anything left is answered on the next resume. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  /**
   * Runs `work` again after RETRY_DELAYS_MS while the database is briefly away (restart, failover), so a turn or a
   * promised handoff is delayed instead of dropped; any other error, or the last one, is thrown.
   */
  private async whileDatabaseAway<T>(event: string, conversationId: string, work: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (!isDatabaseUnavailable(error) || attempt >= RETRY_DELAYS_MS.length) throw error;
        this.logger.warn({ event, conversationId, attempt: attempt + 1, err: describe(error) });
        await sleep(RETRY_DELAYS_MS[attempt]);
      }
    }
  }

  /**
   * Answers the conversation's unanswered messages in seq order, one per {@link TurnRepository.withConversation}
   * (the database lock that orders turns across instances), each reply sent once it is committed. A message that
   * directly follows this process's last reply is first tried without the lock ({@link TurnRepository.appendReplyIfLatest}).
   */
  private async answerPending(conversationId: string, inbound?: MessageEntity, onlyIfFree = false): Promise<void> {
    const known = inbound ? this.contexts.take(conversationId, inbound.seq) : null;
    if (!known) this.contexts.forget(conversationId);
    // Understanding a message needs no lock: do it before taking the conversation, which is then held only to
    // read its state, decide and write.
    const early = inbound ? await this.understand(inbound) : null;
    // A template answered by the fulfillment webhook: the call is made with no lock held (with PGlite a held
    // conversation blocks every other turn), then the turn is decided again with its outcome (see fulfil).
    const fulfilled: Fulfilled = new Map();
    if (known && inbound && early) {
      // This process's last reply came right before `inbound`, so the conversation's state is known: no read and no
      // lock. The write stores the reply only if `inbound` is still the latest message; if not, the locked turn
      // below reads what happened (another message, another instance's reply, a handoff) and answers from that.
      const context = { slot: known.slot, previousRoute: known.route };
      const store: StoreReply = (reply, slot, review) => this.turns.appendReplyIfLatest(reply, slot, review);
      let answered = await this.answer(store, inbound, context, early, fulfilled);
      while (answered && 'fulfil' in answered) {
        await this.fulfil(inbound, answered.fulfil, fulfilled);
        answered = await this.answer(store, inbound, context, early, fulfilled);
      }
      this.metrics.turnPath(answered ? 'unlocked' : 'unlocked_refused');
      if (answered) return await this.delivered(conversationId, answered);
    }
    let parsed = inbound && early ? { id: inbound.id, understood: early } : null;
    for (let more = true; more; ) {
      const outcome = await this.turns.withConversation(
        conversationId,
        async (session) => {
          this.metrics.turnPath('locked');
          // Empty while a human is asked for or talking: the bot stays silent.
          const { messages, ...context } = await session.listUnanswered(conversationId, new Date());
          if (messages.length === 0) return null;
          const message = messages[0];
          const understood = parsed?.id === message.id ? parsed.understood : await this.understand(message);
          parsed = { id: message.id, understood };
          const answered = await this.answer((reply, change, review) => session.appendBotReply(reply, change, review), message, context, understood, fulfilled);
          // Nothing stored: the lock is let go for the webhook call, and the next round decides this message again.
          if (answered && 'fulfil' in answered) return { kind: 'fulfil' as const, fulfil: answered.fulfil, message, more: true };
          return answered && { kind: 'answered' as const, answered, more: messages.length > 1 };
        },
        { onlyIfFree },
      );
      if (!outcome.ran || !outcome.value) return;
      if (outcome.value.kind === 'fulfil') await this.fulfil(outcome.value.message, outcome.value.fulfil, fulfilled);
      else await this.delivered(conversationId, outcome.value.answered);
      more = outcome.value.more;
    }
  }

  private webhookMs(messageId: string, now: number): number {
    const wait = this.webhookWait.get(messageId);
    return wait ? wait.ms + (wait.since === null ? 0 : now - wait.since) : 0;
  }

  /** Calls the webhook a decision waits for and records the outcome (a failure too: the turn then sends the template's text). */
  private async fulfil(inbound: MessageEntity, need: Fulfil, fulfilled: Fulfilled): Promise<void> {
    // Only a turn scheduled for its message is in the backlog (a swept or backlog message is not).
    const wait = this.receivedAt.has(inbound.id) ? (this.webhookWait.get(inbound.id) ?? { ms: 0, since: null }) : null;
    if (wait) {
      wait.since = performance.now();
      this.webhookWait.set(inbound.id, wait);
    }
    let outcome: FulfillmentOutcome;
    const started = performance.now();
    try {
      // The customer is read at call time (rare), not on every turn.
      outcome = await this.fulfillment.call({ ...need.request, customer: customerOf(await this.conversations.findById(inbound.conversationId)) });
    } catch (error) {
      // The client reports every failure as an outcome; should one throw anyway, the turn still answers.
      outcome = { ok: false, reason: 'network', status: null, detail: describe(error).message, ms: performance.now() - started };
    } finally {
      if (wait && wait.since !== null) {
        wait.ms += performance.now() - wait.since;
        wait.since = null;
      }
    }
    fulfilled.set(need.key, outcome);
    this.metrics.fulfillment(outcome.ok ? 'ok' : outcome.reason, outcome.ms);
    const base = { conversationId: inbound.conversationId, messageId: inbound.id, template: need.request.template.id, ms: round(outcome.ms) };
    if (outcome.ok) this.logger.log({ event: 'fulfillment', ...base, handoff: outcome.handoff });
    else this.logger.warn({ event: 'fulfillment.failed', ...base, reason: outcome.reason, status: outcome.status, detail: outcome.detail });
  }

  /**
   * Sends a stored reply; remembers what it left only if nothing else came in between the message and its reply.
   * A handoff reply then hands the conversation over, still inside this conversation's turn queue, so the bot
   * answers nothing after it.
   */
  private async delivered(conversationId: string, answered: Answered): Promise<void> {
    this.deliver(answered);
    if (answered.decision.handoff) return this.handOver(conversationId, answered.decision.handoff);
    if (answered.reply.seq === answered.inbound.seq + 1) {
      this.contexts.remember(conversationId, { seq: answered.reply.seq, slot: answered.slot, route: answered.decision.route });
    }
  }

  /** The handoff a reply promised; a database that is briefly away delays it like a turn. */
  private async handOver(conversationId: string, by: NonNullable<TurnDecision['handoff']>): Promise<void> {
    this.contexts.forget(conversationId);
    try {
      await this.whileDatabaseAway('handoff.retry', conversationId, () => this.handoff.request(conversationId, { by }));
    } catch (error) {
      this.logger.error({ event: 'handoff.failed', conversationId, err: describe(error) });
    }
  }

  private async understand(inbound: MessageEntity): Promise<{ nlu: NluResult | null; nluMs: number | null }> {
    const nluStart = performance.now();
    const nlu = await this.parse(inbound);
    return { nlu, nluMs: nlu ? performance.now() - nluStart : null };
  }

  /**
   * Decides and stores the reply to `inbound` (not sent yet: see {@link deliver}); null when it must not be sent;
   * `fulfil` (nothing stored) when the decision waits for a webhook call not in `fulfilled` yet.
   */
  private async answer(
    store: StoreReply,
    inbound: MessageEntity,
    context: Context,
    understood: { nlu: NluResult | null; nluMs: number | null },
    fulfilled: Fulfilled,
  ): Promise<Answered | { fulfil: Fulfil } | null> {
    const started = this.receivedAt.get(inbound.id) ?? performance.now();
    const { nlu, nluMs } = understood;
    const { slot } = context;
    const decision = await this.decide(inbound, nlu, slot, context.previousRoute, fulfilled);
    if (decision.fulfil) return { fulfil: decision.fulfil };
    const change = this.slotChange(decision);
    const reason = reviewReason(decision.route, decision.nlu?.intent.confidence ?? null, decision.thresholds);
    const stored = await this.persist(store, inbound, decision, change, reason, nluMs, performance.now() - started);
    if (!stored) return null;
    const reply = stored.message;
    // Queued only when a reason was given (and not there already).
    const review = stored.reviewItem && reason ? reviewItemView(inbound, reply, stored.reviewItem, reason) : null;
    return { inbound, reply, decision, nluMs, started, slot: slotAfter(inbound.conversationId, slot, change), review };
  }

  /** Sends a committed reply, counts and logs the turn. */
  private deliver(a: Answered): void {
    const replyMs = performance.now() - a.started;
    const nlu = a.decision.nlu;
    const reply = toBotReply(a.reply);
    this.emitter.botReply(a.inbound.conversationId, reply);
    this.replyWaiters.get(a.inbound.id)?.forEach((resolve) => resolve(reply));
    // The reply was queued for review in the same statement (persist): open agent consoles show it live.
    if (a.review) this.emitter.reviewQueued(a.reply.id, a.review);
    this.metrics.turn(a.decision.route, a.nluMs, replyMs);
    this.logger.log({
      event: 'turn',
      conversationId: a.inbound.conversationId,
      messageId: a.inbound.id,
      chars: a.inbound.text.length,
      route: a.decision.route,
      intent: nlu?.intent.name ?? null,
      confidence: nlu ? round(nlu.intent.confidence) : null,
      entities: nlu?.entities.map((e) => e.label) ?? [],
      nluMs: a.nluMs === null ? null : round(a.nluMs),
      replyMs: round(replyMs),
    });
  }

  private async parse(inbound: MessageEntity): Promise<NluResult | null> {
    try {
      return await this.nlu.parse(inbound.text, { referenceTime: inbound.createdAt });
    } catch (error) {
      // The customer still gets the fallback; the inbound message is already committed.
      this.metrics.nluFailed();
      this.logger.error({ event: 'nlu.failed', conversationId: inbound.conversationId, messageId: inbound.id, err: describe(error) });
      return null;
    }
  }

  /**
   * Policy + answer; `previousRoute` is the route of the bot reply the message directly follows, if any. Never
   * throws for an answers-lib failure: that turn falls back (and is logged). A template answered by the webhook uses
   * its outcome from `fulfilled`, or asks for the call (`fulfil`); without `fulfilled` it sends the template's text.
   */
  async decide(inbound: MessageEntity, nlu: NluResult | null, state: SlotStateEntity | null, previousRoute: ReplyRoute | null = null, fulfilled: Fulfilled | null = null): Promise<TurnDecision> {
    if (!nlu) return fallback(null, null, 'keep');
    const thresholds = effectiveThresholds(nlu.thresholds, this.config.nlu.thresholds);
    const confidence = nlu.intent.confidence;
    // "Can I talk to a person?" is answered by doing it, also in the middle of a slot question; so is "yes" to the
    // fallback's "… or would you like to talk to a person?".
    const toOffer = answerToOffer(previousRoute, nlu.intent.name, confidence, thresholds);
    if (toOffer === 'accept' || asksForPerson(nlu.intent.name, confidence, thresholds, this.handoffIntents)) {
      const by = toOffer === 'accept' ? 'offer' : 'intent';
      return { route: 'template', text: HANDOFF_ACK_TEXT, nlu, thresholds, sources: null, suggestions: [], slot: 'clear', handoff: by };
    }
    // "No" to it: ask again, still offering the person (the chip), and leave any slot question as it is.
    if (toOffer === 'decline') return { route: 'template', text: OFFER_DECLINED_TEXT, nlu, thresholds, sources: null, suggestions: [TALK_TO_A_PERSON], slot: 'keep' };
    const now = new Date();
    const pending: PendingSlot | null = state?.templateId && state.expiresAt > now ? { ...state, templateId: state.templateId } : null;
    let route: 'template' | 'retrieval' | 'fallback' = firstRoute(confidence, thresholds, pending !== null, nlu.intent.name);
    const slotAfter = pending ? 'clear' : 'keep';
    if (route === 'template') {
      const decided = await this.tryTemplate(inbound, nlu, thresholds, pending, now, fulfilled);
      if (decided) return decided;
      route = afterNoTemplate(confidence, thresholds, nlu.intent.name);
    }
    if (route === 'retrieval') {
      const decided = await this.tryRetrieval(inbound, nlu, thresholds, slotAfter);
      if (decided) return decided;
    }
    return fallback(nlu, thresholds, slotAfter, await this.didYouMean(nlu, thresholds));
  }

  /**
   * "Did you mean …?" buttons for a fallback: the likeliest in-scope intents (policy.suggestionCandidates), each as its
   * template's name, which the widget sends as the customer's next message. One is offered only if this model reads
   * that text back as its intent at the answer threshold, so pressing it answers instead of falling back again
   * (checked once per model version and text, then remembered). Never fails the turn: on any error, no buttons.
   */
  private async didYouMean(nlu: NluResult, t: Thresholds): Promise<Suggestion[]> {
    const out: Suggestion[] = [];
    try {
      for (const intent of suggestionCandidates(nlu.ranking, this.handoffIntents)) {
        if (out.length >= MAX_SUGGESTIONS) break;
        const text = await this.templates.suggestionFor(intent);
        // Pressed, the text is sent as a message: one longer than MAX_MESSAGE_CHARS would be refused.
        if (!text || text.length > this.config.chat.maxMessageChars) continue;
        if (await this.readsBackAs(text, intent, nlu.model.version, t)) out.push({ text, action: 'message:send' });
      }
    } catch (error) {
      this.logger.warn({ event: 'suggestions.failed', err: describe(error) });
    }
    return out;
  }

  private async readsBackAs(text: string, intent: string, modelVersion: string, t: Thresholds): Promise<boolean> {
    const key = `${modelVersion}\u0000${intent}\u0000${text}`;
    let known = this.suggestionChecks.get(key);
    if (known === undefined) {
      const parsed = await this.nlu.parse(text);
      known = parsed.intent.name === intent && parsed.intent.confidence >= t.answer;
      if (this.suggestionChecks.size >= 1_000) this.suggestionChecks.clear();
      this.suggestionChecks.set(key, known);
    }
    return known;
  }

  private async tryTemplate(inbound: MessageEntity, nlu: NluResult, t: Thresholds, pending: PendingSlot | null, now: Date, fulfilled: Fulfilled | null): Promise<TurnDecision | null> {
    try {
      const outcome = await this.templates.respond({ nlu, pending, now, conversationId: inbound.conversationId, seq: inbound.seq });
      const base = { nlu, thresholds: t, sources: null, suggestions: [] };
      if (outcome.kind === 'answer' && outcome.webhook && fulfilled && this.fulfillment.enabled) return this.throughWebhook(inbound, nlu, t, outcome, fulfilled);
      if (outcome.kind === 'answer') return { ...base, route: 'template', text: outcome.text, slot: 'clear' };
      if (outcome.kind === 'ask') return { ...base, route: 'slot_prompt', text: outcome.text, slot: outcome.slot };
      if (outcome.kind === 'cancelled') return { ...base, route: 'template', text: outcome.text, slot: 'clear' };
      return null;
    } catch (error) {
      this.logger.error({ event: 'template.failed', messageId: inbound.id, err: describe(error) });
      return null;
    }
  }

  /**
   * A template answered by the webhook: its reply (text, buttons, a handoff) once called; the call itself while it
   * has not been made; the template's own text when it failed, or when this run already made its calls.
   */
  private throughWebhook(inbound: MessageEntity, nlu: NluResult, t: Thresholds, outcome: Extract<TemplateOutcome, { kind: 'answer' }>, fulfilled: Fulfilled): TurnDecision {
    const base = { route: 'template' as const, nlu, thresholds: t, sources: null, suggestions: [], slot: 'clear' as const };
    const request: FulfillmentRequest = {
      version: 1,
      conversationId: inbound.conversationId,
      messageId: inbound.id,
      text: inbound.text,
      intent: { name: outcome.webhook!.intent, confidence: nlu.intent.name === outcome.webhook!.intent ? round(nlu.intent.confidence, 4) : null },
      template: { id: outcome.templateId, name: outcome.webhook!.name },
      slots: outcome.filled,
      entities: nlu.entities.map(stripScore),
      modelVersion: nlu.model.version,
      customer: null,
    };
    const key = JSON.stringify([request.messageId, request.template.id, request.slots]);
    const result = fulfilled.get(key);
    if (result === undefined) return fulfilled.size < MAX_FULFILLMENT_CALLS ? { ...base, text: outcome.text, fulfil: { key, request } } : { ...base, text: outcome.text };
    if (!result.ok) return { ...base, text: outcome.text };
    const suggestions = result.suggestions.filter((s) => s.length <= this.config.chat.maxMessageChars).map((text): Suggestion => ({ text, action: 'message:send' }));
    return { ...base, text: result.text ?? HANDOFF_ACK_TEXT, suggestions, ...(result.handoff ? { handoff: 'webhook' as const } : {}) };
  }

  private async tryRetrieval(inbound: MessageEntity, nlu: NluResult, t: Thresholds, slot: 'keep' | 'clear'): Promise<TurnDecision | null> {
    try {
      const found = await this.retrieval.search({ text: inbound.text, embedding: nlu.embedding, intentHint: nlu.intent.name, modelVersion: nlu.model.version, limit: 3 });
      const hits = found.filter((h) => h.score >= this.retrieval.minScore);
      if (hits.length === 0) return null;
      const top = hits[0];
      return {
        route: 'retrieval',
        text: articleReplyText(top),
        nlu,
        thresholds: t,
        sources: hits.map((h) => ({ id: h.articleId, slug: h.slug, title: h.title, score: round(h.score, 4) })),
        suggestions: [TALK_TO_A_PERSON],
        slot,
      };
    } catch (error) {
      this.logger.error({ event: 'retrieval.failed', messageId: inbound.id, err: describe(error) });
      return null;
    }
  }

  private slotChange(d: TurnDecision): SlotChange {
    return d.slot === 'keep' || d.slot === 'clear' ? { kind: d.slot } : { kind: 'set', state: { ...d.slot, expiresAt: this.slotExpiry(d.slot) } };
  }

  /** Stores the reply with its slot-state change and review item (one statement); null when it must not be sent. */
  private persist(store: StoreReply, inbound: MessageEntity, d: TurnDecision, slot: SlotChange, review: ReviewReason | null, nluMs: number | null, replyMs: number): Promise<StoredReply | null> {
    return store(
      {
        conversationId: inbound.conversationId,
        replyToId: inbound.id,
        replyToSeq: inbound.seq,
        text: d.text,
        route: d.route,
        intent: d.nlu?.intent.name ?? null,
        confidence: d.nlu?.intent.confidence ?? null,
        ranking: d.nlu?.ranking ?? null,
        entities: d.nlu ? d.nlu.entities.map(stripScore) : null,
        modelVersion: d.nlu?.model.version ?? null,
        nluLatencyMs: nluMs,
        replyLatencyMs: replyMs,
        sources: d.sources,
        suggestions: d.suggestions.length ? d.suggestions : null,
      },
      slot,
      review,
    );
  }

  private slotExpiry(slot: PendingSlot): Date {
    const ours = new Date(Date.now() + this.config.chat.slotTtlSeconds * 1000);
    return slot.expiresAt instanceof Date && !Number.isNaN(slot.expiresAt.getTime()) ? slot.expiresAt : ours;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The review item a turn queued, as the review queue lists it (what a read of it right after would return). */
function reviewItemView(inbound: MessageEntity, reply: MessageEntity, item: { id: string; createdAt: Date }, reason: ReviewReason): ReviewItemView {
  return {
    id: item.id,
    status: 'pending',
    reason,
    conversationId: inbound.conversationId,
    messageId: inbound.id,
    text: inbound.text,
    replyId: reply.id,
    route: reply.route,
    intent: reply.intent,
    confidence: reply.confidence,
    createdAt: item.createdAt.toISOString(),
    decidedAt: null,
    decidedBy: null,
  };
}

/** The conversation's slot state once `change` is stored, as a fresh read would return it. */
function slotAfter(conversationId: string, before: SlotStateEntity | null, change: SlotChange): SlotStateEntity | null {
  if (change.kind === 'keep') return before;
  if (change.kind === 'clear') return null;
  return Object.assign(new SlotStateEntity(), { conversationId, ...change.state, updatedAt: new Date() });
}

/** The fallback reply: "could you rephrase, or talk to a person?", with any "did you mean" buttons before the person's. */
function fallback(nlu: NluResult | null, thresholds: Thresholds | null, slot: 'keep' | 'clear', didYouMean: Suggestion[] = []): TurnDecision {
  return { route: 'fallback', text: FALLBACK_TEXT, nlu, thresholds, sources: null, suggestions: [...didYouMean, TALK_TO_A_PERSON], slot };
}

/** Entities as stored and sent: the typed value stays, the raw tag score is rounded. */
function stripScore(e: Entity): Entity {
  return { ...e, score: round(e.score, 4) };
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function describe(error: unknown): { name: string; code?: string; message: string } {
  if (error instanceof Error) return { name: error.name, code: (error as { code?: string }).code, message: error.message };
  return { name: 'NonError', message: String(error) };
}

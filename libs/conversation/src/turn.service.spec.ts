import type { FulfillmentOutcome, FulfillmentRequest, NluResult } from '@app/contracts';
import type { AppConfig } from '@app/config';
import type { MessageEntity, StoredReply, Unanswered } from '@app/database';
import { FulfillmentPort, NluPort, RetrievalPort, TemplatePort } from './ports';
import { FALLBACK_TEXT, HANDOFF_ACK_TEXT, OFFER_DECLINED_TEXT, TurnService } from './turn.service';

const config = { nlu: { thresholds: {} }, chat: { slotTtlSeconds: 900, handoffIntents: ['contact_human_agent'], maxMessageChars: 2000 } } as unknown as AppConfig;

function nluResult(intent: string, confidence: number): NluResult {
  return {
    text: 'x',
    intent: { name: intent, confidence, logit: 1 },
    ranking: [{ name: intent, confidence, logit: 1 }],
    entities: [],
    embedding: new Float32Array(4),
    truncated: false,
    model: { name: 'default', version: 'v1', variant: 'int8' },
    thresholds: { answer: 0.8, retrieval: 0.45, review: 0.8 },
    latencyMs: 1,
  };
}

const inbound = { id: 'm1', conversationId: 'c1', seq: 1, text: 'where is my order', createdAt: new Date() } as MessageEntity;

const TITLES: Record<string, string> = { get_refund: 'How to request a refund', track_refund: 'How to check the status of a refund', greet: 'Greeting' };

function createSut(overrides: { template?: TemplatePort['respond']; search?: RetrievalPort['search']; parse?: NluPort['parse']; maxMessageChars?: number; webhook?: boolean } = {}) {
  const templates = {
    respond: jest.fn(overrides.template ?? (async () => ({ kind: 'none' as const }))),
    suggestionFor: jest.fn(async (intent: string) => TITLES[intent] ?? null),
  };
  const retrieval = { minScore: 0.3, search: jest.fn(overrides.search ?? (async () => [])) };
  // By default a suggestion's text reads back as the intent whose title it is.
  const byTitle = new Map(Object.entries(TITLES).map(([intent, title]) => [title, intent]));
  const nlu = { parse: jest.fn(overrides.parse ?? (async (text: string) => nluResult(byTitle.get(text) ?? 'out_of_scope', 0.99))) };
  const sut = new TurnService(
    overrides.maxMessageChars ? ({ ...config, chat: { ...config.chat, maxMessageChars: overrides.maxMessageChars } } as AppConfig) : config,
    nlu as unknown as NluPort,
    templates as unknown as TemplatePort,
    retrieval as unknown as RetrievalPort,
    {} as never,
    {} as never,
    {} as never,
    {} as never,
    { enabled: overrides.webhook ?? false, call: jest.fn() } as unknown as FulfillmentPort,
    { findById: async () => null } as never,
  );
  return { sut, templates, retrieval, nlu };
}

function ranked(...entries: Array<[string, number]>): NluResult {
  const r = nluResult(entries[0][0], entries[0][1]);
  return { ...r, ranking: entries.map(([name, confidence]) => ({ name, confidence, logit: 1 })) };
}

describe('TurnService.decide', () => {
  it('answers from the template when confident', async () => {
    const { sut } = createSut({ template: async () => ({ kind: 'answer', text: 'Order 123 ships today', templateId: 't', filled: {} }) });
    const d = await sut.decide(inbound, nluResult('track_order', 0.95), null);
    expect(d).toMatchObject({ route: 'template', text: 'Order 123 ships today', slot: 'clear', suggestions: [] });
  });

  it('keeps the question open when the template asks for a missing entity', async () => {
    const slot = { intent: 'track_order', templateId: 't', filled: {}, missing: ['order_id'], asked: 'order_id', expiresAt: new Date(Date.now() + 1000) };
    const { sut } = createSut({ template: async () => ({ kind: 'ask', text: 'What is your order number?', templateId: 't', slot }) });
    const d = await sut.decide(inbound, nluResult('track_order', 0.95), null);
    expect(d).toMatchObject({ route: 'slot_prompt', slot });
  });

  it('searches when the intent has no template, and cites the sources', async () => {
    const { sut, retrieval } = createSut({
      search: async () => [{ articleId: 'a1', slug: 'refunds', title: 'Refunds', snippet: 'We refund within 5 days.', score: 0.9 }],
    });
    const d = await sut.decide(inbound, nluResult('get_refund', 0.9), null);
    expect(retrieval.search).toHaveBeenCalledWith(expect.objectContaining({ intentHint: 'get_refund', modelVersion: 'v1' }));
    expect(d.route).toBe('retrieval');
    expect(d.sources).toEqual([{ id: 'a1', slug: 'refunds', title: 'Refunds', score: 0.9 }]);
  });

  it('falls back and offers a human when retrieval finds nothing good enough', async () => {
    const { sut } = createSut({ search: async () => [{ articleId: 'a1', slug: 's', title: 'T', snippet: '', score: 0.1 }] });
    const d = await sut.decide(inbound, nluResult('get_refund', 0.6), null);
    expect(d).toMatchObject({ route: 'fallback', text: FALLBACK_TEXT });
    // The unsure intent as a button (its template answers when pressed), then the person.
    expect(d.suggestions).toEqual([
      { text: 'How to request a refund', action: 'message:send' },
      { text: 'Talk to a person', action: 'handoff:request' },
    ]);
  });

  it('offers the likeliest in-scope intents as "did you mean" buttons on a fallback, then a person', async () => {
    const { sut, nlu } = createSut();
    const d = await sut.decide(inbound, ranked(['get_refund', 0.19], ['greet', 0.18], ['track_refund', 0.15], ['out_of_scope', 0.12], ['check_invoice', 0.11]), null);
    expect(d.route).toBe('fallback');
    expect(d.suggestions).toEqual([
      { text: 'How to request a refund', action: 'message:send' },
      { text: 'How to check the status of a refund', action: 'message:send' },
      { text: 'Talk to a person', action: 'handoff:request' },
    ]);
    // Each text was checked once against the model; the next fallback reuses that.
    await sut.decide(inbound, ranked(['get_refund', 0.19], ['track_refund', 0.15]), null);
    expect(nlu.parse).toHaveBeenCalledTimes(2);
  });

  it('offers no button that the model would not read back as its intent, none off-topic and none below the floor', async () => {
    const unsure = createSut({ parse: async () => nluResult('get_refund', 0.5) });
    expect((await unsure.sut.decide(inbound, ranked(['get_refund', 0.19]), null)).suggestions).toEqual([{ text: 'Talk to a person', action: 'handoff:request' }]);
    const { sut, nlu } = createSut();
    for (const nluOut of [ranked(['out_of_scope', 0.9], ['get_refund', 0.1]), ranked(['get_refund', 0.09]), ranked(['check_invoice', 0.19])]) {
      expect((await sut.decide(inbound, nluOut, null)).suggestions).toEqual([{ text: 'Talk to a person', action: 'handoff:request' }]);
    }
    expect(nlu.parse).not.toHaveBeenCalled();
    // "How to check the status of a refund" (35 characters) could not be sent with MAX_MESSAGE_CHARS 30.
    const short = createSut({ maxMessageChars: 30 });
    expect((await short.sut.decide(inbound, ranked(['track_refund', 0.19]), null)).suggestions).toEqual([{ text: 'Talk to a person', action: 'handoff:request' }]);
    expect(short.nlu.parse).not.toHaveBeenCalled();
    const failing = createSut({ parse: async () => Promise.reject(new Error('model gone')) });
    expect((await failing.sut.decide(inbound, ranked(['get_refund', 0.19]), null)).suggestions).toEqual([{ text: 'Talk to a person', action: 'handoff:request' }]);
  });

  it('falls back below the retrieval threshold without searching', async () => {
    const { sut, templates, retrieval } = createSut();
    const d = await sut.decide(inbound, nluResult('get_refund', 0.2), null);
    expect(d.route).toBe('fallback');
    expect(templates.respond).not.toHaveBeenCalled();
    expect(retrieval.search).not.toHaveBeenCalled();
  });

  it('falls back when the NLU failed (null result)', async () => {
    const { sut } = createSut();
    const d = await sut.decide(inbound, null, null);
    expect(d).toMatchObject({ route: 'fallback', nlu: null, slot: 'keep' });
  });

  it('falls back when the template service throws', async () => {
    const { sut } = createSut({ template: async () => Promise.reject(new Error('db down')) });
    const d = await sut.decide(inbound, nluResult('get_refund', 0.3), null);
    expect(d.route).toBe('fallback');
  });

  it('sends an open slot question to the template service even at low confidence', async () => {
    const pending = { conversationId: 'c1', intent: 'track_order', templateId: 't', filled: {}, missing: ['order_id'], asked: 'order_id', expiresAt: new Date(Date.now() + 1000) };
    const { sut, templates } = createSut({ template: async () => ({ kind: 'answer', text: 'done', templateId: 't', filled: {} }) });
    const d = await sut.decide(inbound, nluResult('other', 0.1), pending as never);
    expect(templates.respond).toHaveBeenCalledWith(expect.objectContaining({ pending: expect.objectContaining({ asked: 'order_id' }) }));
    expect(d.route).toBe('template');
  });

  it('hands a confident handoff intent to a person, also in the middle of a slot question', async () => {
    const pending = { conversationId: 'c1', intent: 'track_order', templateId: 't', filled: {}, missing: ['order_id'], asked: 'order_id', expiresAt: new Date(Date.now() + 60_000) };
    const { sut, templates, retrieval } = createSut();
    for (const state of [null, pending]) {
      const d = await sut.decide(inbound, nluResult('contact_human_agent', 0.95), state as never);
      expect(d).toMatchObject({ route: 'template', text: HANDOFF_ACK_TEXT, handoff: 'intent', slot: 'clear' });
    }
    expect(templates.respond).not.toHaveBeenCalled();
    expect(retrieval.search).not.toHaveBeenCalled();
  });

  it('does not hand over on an unsure handoff intent', async () => {
    const { sut } = createSut();
    const d = await sut.decide(inbound, nluResult('contact_human_agent', 0.5), null);
    expect(d.handoff).toBeUndefined();
    expect(d.route).toBe('fallback');
  });

  it('takes a confident "yes" right after the fallback as accepting the person it offered', async () => {
    const { sut, templates } = createSut();
    const d = await sut.decide(inbound, nluResult('affirm', 0.95), null, 'fallback');
    expect(d).toMatchObject({ route: 'template', text: HANDOFF_ACK_TEXT, handoff: 'offer', slot: 'clear' });
    expect(templates.respond).not.toHaveBeenCalled();
  });

  it('asks again on a confident "no" right after the fallback, still offering the person, and keeps the slot state', async () => {
    const { sut, templates } = createSut();
    const d = await sut.decide(inbound, nluResult('deny', 0.95), null, 'fallback');
    expect(d).toMatchObject({ route: 'template', text: OFFER_DECLINED_TEXT, slot: 'keep', suggestions: [{ action: 'handoff:request' }] });
    expect(d.handoff).toBeUndefined();
    expect(templates.respond).not.toHaveBeenCalled();
  });

  it('answers "yes" as its own intent after any other reply, or when unsure', async () => {
    const { sut, templates } = createSut({ template: async () => ({ kind: 'answer', text: 'Great!', templateId: 't', filled: {} }) });
    for (const previous of [null, 'template', 'retrieval', 'slot_prompt', 'agent'] as const) {
      const d = await sut.decide(inbound, nluResult('affirm', 0.95), null, previous);
      expect(d).toMatchObject({ route: 'template', text: 'Great!' });
      expect(d.handoff).toBeUndefined();
    }
    const unsure = await sut.decide(inbound, nluResult('affirm', 0.5), null, 'fallback');
    expect(unsure.handoff).toBeUndefined();
    expect(templates.respond).toHaveBeenCalledTimes(5);
  });

  describe('a template answered by the fulfillment webhook', () => {
    const webhookAnswer = async () => ({ kind: 'answer' as const, text: 'We are checking order 123.', templateId: 't', filled: { order_id: { text: '123', value: '123' } }, webhook: { name: 'Track', intent: 'track_order' } });
    const ok = (over: Partial<Extract<FulfillmentOutcome, { ok: true }>> = {}): FulfillmentOutcome => ({ ok: true, text: 'Order 123 left Valencia today.', suggestions: [], handoff: false, ms: 5, ...over });

    it('asks for the call, with the intent and slots, and stores nothing until it is made', async () => {
      const { sut } = createSut({ template: webhookAnswer, webhook: true });
      const d = await sut.decide(inbound, nluResult('track_order', 0.95), null, null, new Map());
      expect(d.fulfil?.request).toMatchObject({ version: 1, conversationId: 'c1', messageId: 'm1', text: 'where is my order', intent: { name: 'track_order', confidence: 0.95 }, template: { id: 't', name: 'Track' }, slots: { order_id: { text: '123', value: '123' } }, modelVersion: 'v1' });
    });

    it("sends the webhook's text and buttons, and hands over when it asks", async () => {
      const { sut } = createSut({ template: webhookAnswer, webhook: true });
      const first = await sut.decide(inbound, nluResult('track_order', 0.95), null, null, new Map());
      const fulfilled = new Map([[first.fulfil!.key, ok({ suggestions: ['Change the address'] })]]);
      const d = await sut.decide(inbound, nluResult('track_order', 0.95), null, null, fulfilled);
      expect(d).toMatchObject({ route: 'template', text: 'Order 123 left Valencia today.', suggestions: [{ text: 'Change the address', action: 'message:send' }], slot: 'clear' });
      expect(d.fulfil).toBeUndefined();
      expect(d.handoff).toBeUndefined();
      fulfilled.set(first.fulfil!.key, ok({ text: null, handoff: true }));
      expect(await sut.decide(inbound, nluResult('track_order', 0.95), null, null, fulfilled)).toMatchObject({ text: HANDOFF_ACK_TEXT, handoff: 'webhook' });
    });

    it("falls back to the template's own text when the call failed, was not allowed, or the webhook is off", async () => {
      // The template's text, and no `fulfil` (which would store nothing and call).
      const staticText = (d: { text: string; fulfil?: unknown }) => expect([d.text, d.fulfil]).toEqual(['We are checking order 123.', undefined]);
      const { sut } = createSut({ template: webhookAnswer, webhook: true });
      const first = await sut.decide(inbound, nluResult('track_order', 0.95), null, null, new Map());
      const failed: FulfillmentOutcome = { ok: false, reason: 'timeout', status: null, detail: 'no response within 3000 ms', ms: 3000 };
      staticText(await sut.decide(inbound, nluResult('track_order', 0.95), null, null, new Map([[first.fulfil!.key, failed]])));
      // This run made its calls already (another message's): no third.
      const spent = new Map<string, FulfillmentOutcome>([['a', ok()], ['b', ok()]]);
      staticText(await sut.decide(inbound, nluResult('track_order', 0.95), null, null, spent));
      // Decided without a ledger (no turn to call from).
      staticText(await sut.decide(inbound, nluResult('track_order', 0.95), null));
      const off = createSut({ template: webhookAnswer, webhook: false });
      staticText(await off.sut.decide(inbound, nluResult('track_order', 0.95), null, null, new Map()));
    });
  });

  it('ignores an expired slot question', async () => {
    const expired = { conversationId: 'c1', intent: 'track_order', templateId: 't', filled: {}, missing: ['order_id'], asked: 'order_id', expiresAt: new Date(Date.now() - 1000) };
    const { sut, templates } = createSut();
    const d = await sut.decide(inbound, nluResult('other', 0.1), expired as never);
    expect(templates.respond).not.toHaveBeenCalled();
    expect(d.route).toBe('fallback');
  });
});

describe('TurnService.schedule', () => {
  const message = (seq: number) => ({ id: `m${seq}`, conversationId: 'c1', seq, text: 'where is my order', createdAt: new Date() }) as MessageEntity;
  const asked = { intent: 'track_order', templateId: 't', filled: {}, missing: ['order_id'], asked: 'order_id', expiresAt: new Date(Date.now() + 60_000) };

  function createScheduled(
    replySeq: (inbound: MessageEntity) => number | null,
    parse: () => Promise<NluResult> = async () => nluResult('track_order', 0.95),
    fulfil: (request: FulfillmentRequest) => Promise<FulfillmentOutcome> = async () => ({ ok: true, text: 'from the webhook', suggestions: [], handoff: false, ms: 1 }),
  ) {
    type Work = (session: unknown) => Promise<unknown>;
    let locked = 0;
    const statements = {
      listUnanswered: jest.fn(async (): Promise<Unanswered> => ({ messages: [message(1)], slot: null, previousRoute: null })),
      appendBotReply: jest.fn(async (reply: { replyToId: string; replyToSeq: number }): Promise<StoredReply | null> => {
        const seq = replySeq(message(reply.replyToSeq));
        if (seq === null) return null;
        return { message: { id: `r${seq}`, conversationId: 'c1', seq, author: 'bot', direction: 'out', text: 'ok', replyToId: reply.replyToId, createdAt: new Date() } as MessageEntity, reviewItem: null };
      }),
    };
    const turns = {
      ...statements,
      // The unlocked write that a turn knowing the conversation's state uses (same outcome as the locked one here).
      appendReplyIfLatest: jest.fn((reply: { replyToId: string; replyToSeq: number }) => statements.appendBotReply(reply)),
      // The repository runs the work under its lock; these tests only see the statements.
      withConversation: jest.fn(async (_id: string, work: Work, _opts?: unknown): Promise<{ ran: true; value: unknown }> => {
        locked += 1;
        try {
          return { ran: true, value: await work(statements) };
        } finally {
          locked -= 1;
        }
      }),
      findStalled: jest.fn(async () => [] as string[]),
    };
    const emitter = { botReply: jest.fn(), reviewQueued: jest.fn() };
    const templates = { respond: jest.fn(async () => ({ kind: 'ask' as const, text: 'What is your order number?', templateId: 't', slot: asked })), suggestionFor: jest.fn(async () => null) };
    const metrics = { turn: jest.fn(), nluFailed: jest.fn(), turnPath: jest.fn(), fulfillment: jest.fn() };
    const handoff = { request: jest.fn(async () => ({ status: 'handoff_requested' as const })) };
    // Records whether a conversation lock was held during each call.
    const heldLock: boolean[] = [];
    const fulfillment = {
      enabled: true,
      heldLock,
      call: jest.fn(async (r: FulfillmentRequest): Promise<FulfillmentOutcome> => {
        heldLock.push(locked > 0);
        return fulfil(r);
      }),
    };
    const sut = new TurnService(
      config,
      { parse: jest.fn(parse) } as unknown as NluPort,
      templates as unknown as TemplatePort,
      { minScore: 0.3, search: jest.fn(async () => []) } as unknown as RetrievalPort,
      turns as never,
      emitter as never,
      metrics as never,
      handoff as never,
      fulfillment as unknown as FulfillmentPort,
      { findById: async () => null } as never,
    );
    return { sut, turns, templates, emitter, metrics, handoff, fulfillment };
  }

  it('reads the backlog once, then answers the next message from what its own reply left, without the lock', async () => {
    const { sut, turns, templates, emitter, metrics } = createScheduled((m) => m.seq + 1);
    await sut.schedule('c1', message(1));
    await sut.schedule('c1', message(3));
    expect(metrics.turnPath.mock.calls.flat()).toEqual(['locked', 'unlocked']);
    expect(turns.listUnanswered).toHaveBeenCalledTimes(1);
    expect(turns.withConversation).toHaveBeenCalledTimes(1);
    expect(turns.appendReplyIfLatest.mock.calls.map(([r]: [{ replyToId: string }]) => r.replyToId)).toEqual(['m3']);
    expect(emitter.botReply.mock.calls.map(([, r]: [string, { replyTo: string }]) => r.replyTo)).toEqual(['m1', 'm3']);
    // The open question stored with the first reply is the second turn's pending slot, without a read.
    expect(templates.respond).toHaveBeenLastCalledWith(expect.objectContaining({ pending: expect.objectContaining({ asked: 'order_id', templateId: 't' }) }));
  });

  it('calls the fulfillment webhook with no lock held, then stores its answer under the lock, on either path', async () => {
    const { sut, turns, templates, emitter, fulfillment, metrics } = createScheduled((m) => m.seq + 1);
    templates.respond.mockImplementation((async () => ({ kind: 'answer', text: 'static', templateId: 't', filled: { order_id: { text: '123' } }, webhook: { name: 'Track', intent: 'track_order' } })) as never);
    await sut.schedule('c1', message(1));
    // Locked path: the first locked round decides and stores nothing, the call runs outside, the second round stores.
    expect(turns.withConversation).toHaveBeenCalledTimes(2);
    expect(fulfillment.call).toHaveBeenCalledTimes(1);
    expect(turns.appendBotReply.mock.calls.map(([r]) => (r as unknown as { text: string }).text)).toEqual(['from the webhook']);
    // Unlocked path: the next message is called for and answered without the lock.
    await sut.schedule('c1', message(3));
    expect(fulfillment.call).toHaveBeenCalledTimes(2);
    expect(fulfillment.heldLock).toEqual([false, false]);
    expect(turns.appendReplyIfLatest).toHaveBeenCalledWith(expect.objectContaining({ replyToId: 'm3', text: 'from the webhook' }), { kind: 'clear' }, null);
    expect(emitter.botReply).toHaveBeenCalledTimes(2);
    expect(metrics.fulfillment.mock.calls).toEqual([['ok', 1], ['ok', 1]]);
  });

  it('does not count time spent waiting for the webhook as queueing, so a slow webhook makes nobody else BUSY', async () => {
    let now = 1_000;
    const clock = jest.spyOn(performance, 'now').mockImplementation(() => now);
    try {
      const release: Array<() => void> = [];
      const slow = () => new Promise<FulfillmentOutcome>((resolve) => release.push(() => resolve({ ok: true, text: 'late', suggestions: [], handoff: false, ms: 900 })));
      const { sut, templates, fulfillment, turns: repo } = createScheduled((m) => m.seq + 1, undefined, slow);
      templates.respond.mockImplementation((async () => ({ kind: 'answer', text: 'static', templateId: 't', filled: {}, webhook: { name: 'Track', intent: 'track_order' } })) as never);
      const other = { ...message(1), id: 'm1b', conversationId: 'c2' } as MessageEntity;
      repo.listUnanswered.mockImplementation((async (id: string) => ({ messages: [id === 'c2' ? other : message(1)], slot: null, previousRoute: null })) as never);
      const turns = [sut.schedule('c1', message(1)), sut.schedule('c2', other)];
      for (let i = 0; i < 50 && fulfillment.call.mock.calls.length < 2; i++) await new Promise((r) => setImmediate(r));
      expect(fulfillment.call).toHaveBeenCalledTimes(2);
      now += 900;
      // Both are still owed (pending), but neither has been waiting for this server.
      expect(sut.backlog()).toEqual({ pending: 2, oldestMs: 0, medianMs: 0 });
      release.forEach((r) => r());
      await Promise.all(turns);
      expect(sut.backlog()).toEqual({ pending: 0, oldestMs: 0, medianMs: 0 });
    } finally {
      clock.mockRestore();
    }
  });

  it("still answers, with the template's text, when the webhook port throws", async () => {
    const { sut, turns, templates, metrics } = createScheduled((m) => m.seq + 1, undefined, async () => {
      throw new Error('socket hang up');
    });
    templates.respond.mockImplementation((async () => ({ kind: 'answer', text: 'static', templateId: 't', filled: {}, webhook: { name: 'Track', intent: 'track_order' } })) as never);
    await sut.schedule('c1', message(1));
    expect(turns.appendBotReply.mock.calls.map(([r]) => (r as unknown as { text: string }).text)).toEqual(['static']);
    expect(metrics.fulfillment.mock.calls.map(([o]) => o)).toEqual(['network']);
  });

  it("sends the template's text when the webhook fails, and hands over when it asks to", async () => {
    const outcomes: FulfillmentOutcome[] = [
      { ok: false, reason: 'http_status', status: 500, detail: 'HTTP 500', ms: 2 },
      { ok: true, text: 'Let me get a colleague.', suggestions: [], handoff: true, ms: 1 },
    ];
    const { sut, turns, templates, handoff, metrics } = createScheduled((m) => m.seq + 1, undefined, async () => outcomes.shift()!);
    templates.respond.mockImplementation((async () => ({ kind: 'answer', text: 'static', templateId: 't', filled: {}, webhook: { name: 'Track', intent: 'track_order' } })) as never);
    await sut.schedule('c1', message(1));
    await sut.schedule('c1', message(3));
    expect(turns.appendBotReply.mock.calls.map(([r]) => (r as unknown as { text: string }).text)).toEqual(['static', 'Let me get a colleague.']);
    expect(metrics.fulfillment.mock.calls.map(([o]) => o)).toEqual(['http_status', 'ok']);
    expect(handoff.request).toHaveBeenCalledWith('c1', { by: 'webhook' });
  });

  it('hands the conversation over after sending the reply to a handoff intent, and forgets its state', async () => {
    const { sut, turns, emitter, handoff, metrics } = createScheduled((m) => m.seq + 1, async () => nluResult('contact_human_agent', 0.97));
    await sut.schedule('c1', message(1));
    expect(turns.appendBotReply).toHaveBeenCalledWith(expect.objectContaining({ text: HANDOFF_ACK_TEXT, intent: 'contact_human_agent' }), { kind: 'clear' }, null);
    expect(handoff.request).toHaveBeenCalledWith('c1', { by: 'intent' });
    expect(emitter.botReply.mock.invocationCallOrder[0]).toBeLessThan(handoff.request.mock.invocationCallOrder[0]);
    // The handoff took a seq: the next message is answered from a fresh read under the lock, not from memory.
    turns.listUnanswered.mockResolvedValueOnce({ messages: [], slot: null, previousRoute: null });
    await sut.schedule('c1', message(4));
    expect(metrics.turnPath.mock.calls.flat()).toEqual(['locked', 'locked']);
    expect(emitter.botReply).toHaveBeenCalledTimes(1);
  });

  it('hands over on "yes" to the fallback, whether the turn knows the reply from memory or reads it', async () => {
    const said = [nluResult('get_refund', 0.2), nluResult('affirm', 0.97)];
    const { sut, turns, handoff, metrics } = createScheduled((m) => m.seq + 1, async () => said.shift()!);
    await sut.schedule('c1', message(1));
    await sut.schedule('c1', message(3));
    expect(turns.appendBotReply.mock.calls.map(([r]) => (r as unknown as { text: string }).text)).toEqual([FALLBACK_TEXT, HANDOFF_ACK_TEXT]);
    expect(metrics.turnPath.mock.calls.flat()).toEqual(['locked', 'unlocked']);
    expect(handoff.request).toHaveBeenCalledWith('c1', { by: 'offer' });

    const read = createScheduled((m) => m.seq + 1, async () => nluResult('affirm', 0.97));
    read.turns.listUnanswered.mockResolvedValueOnce({ messages: [message(5)], slot: null, previousRoute: 'fallback' });
    await read.sut.schedule('c1', message(5));
    expect(read.handoff.request).toHaveBeenCalledWith('c1', { by: 'offer' });
    read.turns.listUnanswered.mockResolvedValueOnce({ messages: [message(9)], slot: null, previousRoute: 'template' });
    await read.sut.schedule('c1', message(9));
    expect(read.handoff.request).toHaveBeenCalledTimes(1);
  });

  it('takes the locked turn and reads the conversation when the unlocked write finds a newer message', async () => {
    const { sut, turns, emitter, metrics } = createScheduled((m) => m.seq + 1);
    await sut.schedule('c1', message(1));
    turns.appendReplyIfLatest.mockResolvedValueOnce(null);
    // Another message (seq 4) came in while seq 3 was being answered: the locked turn answers both, in order.
    turns.listUnanswered.mockResolvedValueOnce({ messages: [message(3), message(4)], slot: null, previousRoute: null }).mockResolvedValueOnce({ messages: [message(4)], slot: null, previousRoute: null });
    await sut.schedule('c1', message(3));
    expect(turns.withConversation).toHaveBeenCalledTimes(3);
    expect(turns.appendBotReply.mock.calls.map(([r]: [{ replyToId: string }]) => r.replyToId)).toEqual(['m1', 'm3', 'm4']);
    expect(emitter.botReply.mock.calls.map(([, r]: [string, { replyTo: string }]) => r.replyTo)).toEqual(['m1', 'm3', 'm4']);
    expect(metrics.turnPath.mock.calls.flat()).toEqual(['locked', 'unlocked_refused', 'locked', 'locked']);
  });

  it('reads the backlog again when something took a seq between the reply and the next message', async () => {
    const { sut, turns } = createScheduled((m) => m.seq + 1);
    await sut.schedule('c1', message(1));
    turns.listUnanswered.mockResolvedValueOnce({ messages: [message(4)], slot: null, previousRoute: null });
    await sut.schedule('c1', message(4));
    expect(turns.listUnanswered).toHaveBeenCalledTimes(2);
  });

  it('remembers nothing when the reply was not stored or other messages came in before it', async () => {
    const { sut, turns } = createScheduled((m) => (m.seq === 1 ? null : m.seq + 2));
    await sut.schedule('c1', message(1));
    turns.listUnanswered.mockResolvedValueOnce({ messages: [message(2)], slot: null, previousRoute: null });
    await sut.schedule('c1', message(2));
    turns.listUnanswered.mockResolvedValueOnce({ messages: [message(5)], slot: null, previousRoute: null });
    await sut.schedule('c1', message(5));
    expect(turns.listUnanswered).toHaveBeenCalledTimes(3);
  });

  it('answers a backlog in seq order, one locked turn each, and sends each reply after its turn', async () => {
    const { sut, turns, emitter } = createScheduled((m) => m.seq + 10);
    turns.listUnanswered.mockResolvedValueOnce({ messages: [message(1), message(2)], slot: null, previousRoute: null }).mockResolvedValueOnce({ messages: [message(2)], slot: null, previousRoute: null });
    await sut.schedule('c1');
    expect(turns.withConversation).toHaveBeenCalledTimes(2);
    expect(turns.appendBotReply.mock.calls.map(([r]: [{ replyToId: string }]) => r.replyToId)).toEqual(['m1', 'm2']);
    expect(emitter.botReply.mock.calls.map(([, r]: [string, { replyTo: string }]) => r.replyTo)).toEqual(['m1', 'm2']);
  });

  it('sends nothing when the locked turn failed, and retries while the database is unreachable', async () => {
    const { sut, turns, emitter } = createScheduled((m) => m.seq + 1);
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    turns.withConversation.mockRejectedValueOnce(down);
    await sut.schedule('c1', message(1));
    expect(turns.withConversation).toHaveBeenCalledTimes(2);
    expect(emitter.botReply).toHaveBeenCalledTimes(1);
  });

  it('does not retry a turn that failed for another reason', async () => {
    const { sut, turns, emitter } = createScheduled((m) => m.seq + 1);
    turns.withConversation.mockRejectedValueOnce(new Error('syntax error'));
    await sut.schedule('c1', message(1));
    expect(turns.withConversation).toHaveBeenCalledTimes(1);
    expect(emitter.botReply).not.toHaveBeenCalled();
  });

  it('sweeps stalled conversations only if free, and leaves alone one this process is answering', async () => {
    const { sut, turns } = createScheduled((m) => m.seq + 1);
    let release!: () => void;
    turns.withConversation.mockImplementationOnce(async (_id: string, work: (session: unknown) => Promise<unknown>) => {
      await new Promise<void>((r) => (release = r));
      return { ran: true, value: await work(turns) };
    });
    const busy = sut.schedule('c1', message(1));
    turns.findStalled.mockResolvedValueOnce(['c1', 'c2']);
    expect(await sut.sweep()).toBe(1);
    release();
    await busy;
    await sut.drain();
    expect(turns.withConversation).toHaveBeenCalledWith('c2', expect.any(Function), { onlyIfFree: true });
    expect(turns.withConversation).not.toHaveBeenCalledWith('c1', expect.any(Function), { onlyIfFree: true });
  });
});

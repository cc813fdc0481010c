import { loadConfig } from '@app/config';
import type { BotReply, MessageView } from '@app/contracts';
import { ChatEmitter } from '@app/conversation';
import type { WebhookDeliveryRepository } from '@app/database';
import { EventOutbox, OUTBOX_FLUSH_MS, OUTBOX_MAX_BATCH } from './event-outbox';
import { WebhookChatEmitter } from './webhook-chat-emitter';
import { retryDelayMs, WEBHOOK_MAX_BACKOFF_MS } from './webhook-dispatcher.service';

const ON = { EVENT_WEBHOOK_URL: 'http://127.0.0.1:9/hook', EVENT_WEBHOOK_SECRET: 'a-secret-of-16-chars' };

describe('retryDelayMs', () => {
  it('doubles from the base after each failure, capped at an hour, with ±20 % jitter', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 2000, mid))).toEqual([2000, 4000, 8000, 16000]);
    expect(retryDelayMs(40, 2000, mid)).toBe(WEBHOOK_MAX_BACKOFF_MS);
    expect(retryDelayMs(1, 1000, () => 0)).toBe(800);
    expect(retryDelayMs(1, 1000, () => 0.999999)).toBe(1200);
  });
});

describe('EventOutbox', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const outbox = (env: Record<string, string>) => {
    const enqueue = jest.fn(async (rows: unknown[]) => rows.length);
    return { box: new EventOutbox(loadConfig(env), { enqueue } as unknown as WebhookDeliveryRepository), enqueue };
  };

  it('records nothing without EVENT_WEBHOOK_URL, or for an event not subscribed', async () => {
    const off = outbox({});
    off.box.record('handoff.released', 'c1', { conversationId: 'c1' });
    const some = outbox({ ...ON, EVENT_WEBHOOK_EVENTS: 'handoff.requested' });
    some.box.record('handoff.released', 'c1', { conversationId: 'c1' });
    await jest.advanceTimersByTimeAsync(OUTBOX_FLUSH_MS * 2);
    expect(off.box.enabled).toBe(false);
    expect(off.enqueue).not.toHaveBeenCalled();
    expect(some.enqueue).not.toHaveBeenCalled();
  });

  it('stores what came in within the flush window in one batch, in order, and wakes its listeners', async () => {
    const { box, enqueue } = outbox(ON);
    const woken = jest.fn();
    box.onStored(woken);
    box.record('handoff.released', 'c1', { conversationId: 'c1' });
    box.record('conversation.deleted', null, { conversationId: 'c2' });
    expect(enqueue).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(OUTBOX_FLUSH_MS);
    expect(enqueue).toHaveBeenCalledTimes(1);
    expect(enqueue.mock.calls[0][0]).toEqual([
      expect.objectContaining({ event: 'handoff.released', conversationId: 'c1' }),
      expect.objectContaining({ event: 'conversation.deleted', conversationId: null, payload: { conversationId: 'c2' } }),
    ]);
    expect(woken).toHaveBeenCalledTimes(1);
  });

  it('stores a full batch at once, without waiting for the window', async () => {
    const { box, enqueue } = outbox(ON);
    for (let i = 0; i < OUTBOX_MAX_BATCH; i++) box.record('handoff.released', `c${i}`, { conversationId: `c${i}` });
    await Promise.resolve();
    expect(enqueue).toHaveBeenCalledTimes(1);
    expect(enqueue.mock.calls[0][0]).toHaveLength(OUTBOX_MAX_BATCH);
  });
});

describe('WebhookChatEmitter', () => {
  const inner = {
    botReply: jest.fn(),
    handoffQueued: jest.fn(),
    typing: jest.fn(),
    agentMessage: jest.fn(),
    conversationStatus: jest.fn(),
    customerMessage: jest.fn(),
    handoffChanged: jest.fn(),
    conversationDeleted: jest.fn(),
    csatSubmitted: jest.fn(),
    contactLeft: jest.fn(),
    reviewQueued: jest.fn(),
    agentsOnline: jest.fn(async () => 2),
  };
  const record = jest.fn();
  const sut = new WebhookChatEmitter(inner as unknown as ChatEmitter, { record } as unknown as EventOutbox);
  beforeEach(() => jest.clearAllMocks());

  it('passes everything on to the sockets, and records the changes the webhook reports', async () => {
    const reply: BotReply = { messageId: 'm2', seq: 2, replyTo: 'm1', text: 'Order 123 ships today.', route: 'template', intent: 'track_order', confidence: 0.97, entities: [], modelVersion: 'v1', createdAt: '2026-12-07T10:00:00.000Z' };
    sut.botReply('c1', reply);
    expect(inner.botReply).toHaveBeenCalledWith('c1', reply);
    expect(record).toHaveBeenCalledWith(
      'message.created',
      'c1',
      { conversationId: 'c1', message: expect.objectContaining({ messageId: 'm2', seq: 2, author: 'bot', route: 'template', intent: 'track_order', replyTo: 'm1', modelVersion: 'v1' }) },
      new Date(reply.createdAt),
    );

    const view = { messageId: 'm1', seq: 1, direction: 'in', author: 'customer', text: 'where is 123', createdAt: '2026-12-07T09:59:59.000Z' } as MessageView;
    sut.customerMessage('c1', view);
    expect(record).toHaveBeenLastCalledWith('message.created', 'c1', { conversationId: 'c1', message: { messageId: 'm1', seq: 1, author: 'customer', text: 'where is 123', createdAt: view.createdAt } }, expect.any(Date));

    sut.handoffQueued('c1', { conversationId: 'c1', status: 'handoff_requested', message: view }, { agentsOnline: 0, openNow: false });
    expect(record).toHaveBeenLastCalledWith('handoff.requested', 'c1', { conversationId: 'c1', status: 'handoff_requested', agentsOnline: 0, openNow: false });
    sut.contactLeft('c1', { conversationId: 'c1', email: 'ann@example.com', message: view });
    expect(record).toHaveBeenLastCalledWith('contact.left', 'c1', { conversationId: 'c1', email: 'ann@example.com' });
    expect(inner.contactLeft).toHaveBeenCalledWith('c1', { conversationId: 'c1', email: 'ann@example.com', message: view });
    sut.conversationStatus('c1', { conversationId: 'c1', status: 'agent', message: view }, { id: 'u1', name: 'Alex' });
    expect(record).toHaveBeenLastCalledWith('handoff.taken', 'c1', { conversationId: 'c1', agent: { id: 'u1', name: 'Alex' } });
    sut.conversationStatus('c1', { conversationId: 'c1', status: 'bot', message: view });
    expect(record).toHaveBeenLastCalledWith('handoff.released', 'c1', { conversationId: 'c1' });
    sut.conversationStatus('c1', { conversationId: 'c1', status: 'closed', message: view }, { id: 'u1', name: 'Alex' });
    expect(record).toHaveBeenLastCalledWith('conversation.resolved', 'c1', { conversationId: 'c1', agent: { id: 'u1', name: 'Alex' } });
    sut.csatSubmitted('c1', { rating: 5, agentId: 'u1' });
    expect(record).toHaveBeenLastCalledWith('csat.submitted', 'c1', { conversationId: 'c1', rating: 5, agentId: 'u1' });
    sut.conversationDeleted('c1');
    expect(record).toHaveBeenLastCalledWith('conversation.deleted', null, { conversationId: 'c1' });
    expect(inner.conversationDeleted).toHaveBeenCalledWith('c1');

    record.mockClear();
    sut.typing('c1', 'start', { author: 'customer' }, 's1');
    sut.handoffChanged('c1', 'taken');
    sut.reviewQueued('m2');
    expect(await sut.agentsOnline()).toBe(2);
    expect(inner.typing).toHaveBeenCalledWith('c1', 'start', { author: 'customer' }, 's1');
    expect(inner.handoffChanged).toHaveBeenCalledWith('c1', 'taken');
    expect(inner.reviewQueued).toHaveBeenCalledWith('m2', undefined);
    expect(record).not.toHaveBeenCalled();
  });
});

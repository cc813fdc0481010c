import { performance } from 'node:perf_hooks';
import type { AppConfig } from '@app/config';
import { BusyError, ErrorCode } from '@app/contracts';
import type { MessageEntity } from '@app/database';
import { AdmissionService, decideAdmission, retryHint, RetryPacer } from './admission.service';
import { ConversationService } from './conversation.service';
import { TurnMetrics } from './turn-metrics.service';
import { TurnService } from './turn.service';
import type { NluPort, RetrievalPort, TemplatePort } from './ports';

const limits = { maxBacklog: 10, maxQueueAgeMs: 1000 };

describe('decideAdmission', () => {
  it('admits while both the count and the age of the middle turn are under their limits', () => {
    expect(decideAdmission({ pending: 9, oldestMs: 5000, medianMs: 999 }, limits)).toBeNull();
  });

  it('refuses a burst by count before anyone has waited', () => {
    expect(decideAdmission({ pending: 10, oldestMs: 3, medianMs: 1 }, limits)).toEqual({ reason: 'backlog', retryAfterMs: 250 });
  });

  it('refuses by age when the middle turn has waited too long, hinting about that long', () => {
    expect(decideAdmission({ pending: 3, oldestMs: 3000, medianMs: 2400 }, limits)).toEqual({ reason: 'queue_age', retryAfterMs: 2400 });
  });

  it('does not let one slow turn shut the door: a lone turn, or one straggler among fresh ones, is no queue', () => {
    expect(decideAdmission({ pending: 1, oldestMs: 9000, medianMs: 9000 }, limits)).toBeNull();
    expect(decideAdmission({ pending: 3, oldestMs: 9000, medianMs: 20 }, limits)).toBeNull();
  });

  it('hints at least the pacer interval', () => {
    expect(decideAdmission({ pending: 10, oldestMs: 3, medianMs: 1 }, limits, 4000)).toEqual({ reason: 'backlog', retryAfterMs: 4000 });
  });

  it('never refuses with both limits off', () => {
    expect(decideAdmission({ pending: 1e6, oldestMs: 1e7, medianMs: 1e7 }, { maxBacklog: 0, maxQueueAgeMs: 0 })).toBeNull();
  });

  it('bounds the hint', () => {
    expect(retryHint(0)).toBe(250);
    expect(retryHint(600_000)).toBe(10_000);
  });
});

describe('RetryPacer', () => {
  it('doubles the resend interval per second while refusals outnumber admissions, and shrinks it back when they stop', () => {
    let now = 0;
    const sut = new RetryPacer(() => now);
    const second = (admitted: number, refused: number) => {
      for (let i = 0; i < admitted; i++) sut.admit();
      for (let i = 0; i < refused; i++) sut.refuse();
      now += 1_000;
      return sut.paceMs();
    };
    expect(sut.paceMs()).toBe(250);
    expect(second(40, 800)).toBe(500);
    expect(second(40, 800)).toBe(1_000);
    expect(second(40, 60)).toBe(1_500);
    expect(second(40, 40)).toBe(1_500);
    expect(second(50, 0)).toBe(750);
    now += 5_000;
    expect(sut.paceMs()).toBe(375);
  });

  it('never leaves 250 ms .. 10 s', () => {
    let now = 0;
    const sut = new RetryPacer(() => now);
    for (let i = 0; i < 20; i++) {
      for (let j = 0; j < 10; j++) sut.refuse();
      now += 1_000;
    }
    expect(sut.paceMs()).toBe(10_000);
  });
});

function createSut(backlog: { pending: number; oldestMs: number; medianMs?: number }, maxBacklog = 1) {
  const config = { chat: { maxMessageChars: 2000, maxBacklog, maxQueueAgeMs: 0 } } as unknown as AppConfig;
  const turns = { backlog: jest.fn(() => ({ medianMs: backlog.oldestMs, ...backlog })), schedule: jest.fn(async () => undefined) };
  const metrics = new TurnMetrics();
  const admission = new AdmissionService(config, turns as unknown as TurnService, metrics);
  const stored = { id: 'm1', seq: 3, conversationId: 'c1', text: 'hi', author: 'customer', direction: 'in', createdAt: new Date() } as MessageEntity;
  const turnWrites = { appendInbound: jest.fn(async () => ({ kind: 'stored' as const, message: stored })) };
  const messages = { findByClientMessageId: jest.fn(async (): Promise<MessageEntity | null> => null) };
  const emitter = { customerMessage: jest.fn() };
  const deps = [config, {}, messages, {}, {}, {}, turnWrites, turns, emitter, admission, {}] as unknown as ConstructorParameters<typeof ConversationService>;
  return { sut: new ConversationService(...deps), admission, turns, turnWrites, messages, metrics, stored };
}

const payload = { clientMessageId: 'cid-1', text: 'where is my order' };

describe('ConversationService.receive under admission control', () => {
  it('stores and queues the turn while under the limit, counting it in the backlog while it is stored', async () => {
    const { sut, admission, turnWrites, turns, stored } = createSut({ pending: 0, oldestMs: 0 });
    let seen = -1;
    turnWrites.appendInbound.mockImplementation(async () => {
      seen = admission.backlog().pending;
      return { kind: 'stored', message: stored };
    });
    await expect(sut.receive('c1', payload)).resolves.toEqual({ messageId: 'm1', seq: 3, duplicate: false });
    expect(seen).toBe(1);
    expect(turns.schedule).toHaveBeenCalledWith('c1', stored);
    expect(admission.backlog().pending).toBe(0);
  });

  it('refuses a new message over the limit with BUSY and retryAfterMs, storing nothing, and counts it', async () => {
    const { sut, turnWrites, turns, metrics } = createSut({ pending: 1, oldestMs: 700 });
    const error = await sut.receive('c1', payload).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BusyError);
    expect((error as BusyError).toJSON()).toEqual({ code: ErrorCode.Busy, message: expect.any(String), retryAfterMs: 700 });
    expect(turnWrites.appendInbound).not.toHaveBeenCalled();
    expect(turns.schedule).not.toHaveBeenCalled();
    expect(await metrics.registry.getSingleMetricAsString('parley_admission_refused_total')).toContain('reason="backlog"} 1');
  });

  it('still acks a resend of a stored message over the limit (duplicate, nothing new stored)', async () => {
    const { sut, turnWrites, messages, stored, metrics } = createSut({ pending: 5, oldestMs: 2000 });
    messages.findByClientMessageId.mockResolvedValue(stored);
    await expect(sut.receive('c1', payload)).resolves.toEqual({ messageId: 'm1', seq: 3, duplicate: true });
    expect(messages.findByClientMessageId).toHaveBeenCalledWith('c1', 'cid-1');
    expect(turnWrites.appendInbound).not.toHaveBeenCalled();
    expect(await metrics.registry.getSingleMetricAsString('parley_admission_refused_total')).not.toContain('reason=');
  });

  it('turns a pool checkout timeout (every connection busy) into BUSY, not DB_UNAVAILABLE', async () => {
    const { sut, turnWrites } = createSut({ pending: 0, oldestMs: 0 }, 0);
    turnWrites.appendInbound.mockRejectedValue(new Error('timeout exceeded when trying to connect'));
    const error = await sut.receive('c1', payload).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BusyError);
    expect((error as BusyError).reason).toBe('pool');
    expect((error as BusyError).retryAfterMs).toBeGreaterThanOrEqual(1000);
  });

  it('lets a real outage through as it was (mapped to DB_UNAVAILABLE by the filter)', async () => {
    const { sut, turnWrites } = createSut({ pending: 0, oldestMs: 0 }, 0);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    turnWrites.appendInbound.mockRejectedValue(refused);
    await expect(sut.receive('c1', payload)).rejects.toBe(refused);
  });

  it('exports the backlog gauge from the admission figure', async () => {
    const { metrics } = createSut({ pending: 4, oldestMs: 1500 });
    expect(await metrics.registry.getSingleMetricAsString('parley_turn_backlog')).toContain('parley_turn_backlog 4');
    expect(await metrics.registry.getSingleMetricAsString('parley_turn_oldest_wait_seconds')).toContain('parley_turn_oldest_wait_seconds 1.5');
  });
});

describe('TurnService.backlog', () => {
  afterEach(() => jest.restoreAllMocks());

  it('counts the unanswered turns and reports the ages of the oldest and the middle one', () => {
    let now = 10_000;
    jest.spyOn(performance, 'now').mockImplementation(() => now);
    // NLU that never answers: every scheduled turn stays unanswered.
    const nlu = { parse: jest.fn(() => new Promise<never>(() => undefined)) };
    const sut = new TurnService({ chat: { handoffIntents: [] } } as unknown as AppConfig, nlu as unknown as NluPort, {} as TemplatePort, {} as RetrievalPort, {} as never, {} as never, {} as never, {} as never, {} as never, {} as never);
    const message = (id: string, conversationId: string) => ({ id, conversationId, seq: 1, text: 'hi', createdAt: new Date() }) as MessageEntity;
    expect(sut.backlog()).toEqual({ pending: 0, oldestMs: 0, medianMs: 0 });
    void sut.schedule('c1', message('m1', 'c1'));
    now += 300;
    void sut.schedule('c2', message('m2', 'c2'));
    now += 200;
    void sut.schedule('c3', message('m3', 'c3'));
    now += 100;
    const b = sut.backlog();
    expect(b.pending).toBe(3);
    expect(b.oldestMs).toBe(600);
    expect(b.medianMs).toBe(300);
  });
});

import { AppConfig, BusinessHours, parseOpeningWindows } from '@app/config';
import { AuthUser, ConversationClosedError, ConversationStatus, DomainError } from '@app/contracts';
import type { ConversationEntity, HandoffRow, MessageEntity } from '@app/database';
import { CONTACT_BUTTON, CONTACT_OFFER_TEXT, HANDOFF_AWAY_TEXT, HANDOFF_TEXT, HandoffService } from './handoff.service';

const ann: AuthUser = { id: 'ann', email: 'ann@x.io', name: 'Ann', role: 'agent' };
const bob: AuthUser = { id: 'bob', email: 'bob@x.io', name: 'Bob', role: 'agent' };
const boss: AuthUser = { id: 'boss', email: 'boss@x.io', name: 'Boss', role: 'admin' };

/** The service over in-memory stand-ins for one conversation's row; the transaction just runs its work. */
function setup(status: ConversationStatus, assignedAgentId: string | null, agentsOnline: number | null = null, more: { businessHours?: BusinessHours; customerEmail?: string; contactEmail?: string } = {}) {
  const row = { id: 'c1', status, assignedAgentId, customerEmail: more.customerEmail ?? null, contactEmail: more.contactEmail ?? null } as ConversationEntity;
  const view = (): HandoffRow => ({
    conversationId: 'c1',
    status: row.status,
    requestedAt: null,
    customer: null,
    contactEmail: null,
    assignedAgent: row.assignedAgentId ? { id: row.assignedAgentId, name: row.assignedAgentId } : null,
    lastMessage: null,
  });
  const message = { id: 'm', seq: 1, direction: 'out', author: 'system', text: '', createdAt: new Date(), clientMessageId: null, replyToId: null, route: null, intent: null, confidence: null } as unknown as MessageEntity;
  const handoffs = {
    find: jest.fn(async () => view()),
    assign: jest.fn(async (_m: unknown, _id: string, agentId: string) => Object.assign(row, { status: 'agent', assignedAgentId: agentId })),
    returnToBot: jest.fn(async () => Object.assign(row, { status: 'bot', assignedAgentId: null })),
    markRequested: jest.fn(async () => Object.assign(row, { status: 'handoff_requested' })),
  };
  const emitter = { conversationStatus: jest.fn(), handoffChanged: jest.fn(), handoffQueued: jest.fn(), agentsOnline: jest.fn(async () => agentsOnline) };
  const messages = { insert: jest.fn(async (_m: unknown, fields: { text: string }) => ({ ...message, text: fields.text })) };
  const audit = { record: jest.fn(async () => ({})) };
  const sut = new HandoffService(
    { chat: { maxMessageChars: 100 }, businessHours: more.businessHours ?? null } as AppConfig,
    { lockForUpdate: jest.fn(async () => ({ ...row })), findById: jest.fn(async () => ({ ...row })), nextSeq: jest.fn(async () => 1) } as never,
    messages as never,
    handoffs as never,
    { delete: jest.fn(async () => undefined) } as never,
    { run: (work: (m: unknown) => Promise<unknown>) => work({}) } as never,
    emitter as never,
    audit as never,
  );
  return { sut, handoffs, emitter, audit, messages };
}

describe('HandoffService: the customer asks for a person', () => {
  const away = `${HANDOFF_AWAY_TEXT} ${CONTACT_OFFER_TEXT}`;
  it.each([
    [0, away, [CONTACT_BUTTON]],
    [2, HANDOFF_TEXT, null],
    [null, HANDOFF_TEXT, null],
  ])('with %p agent consoles online the system message says %j', async (online, text, buttons) => {
    const { sut, emitter, handoffs, messages } = setup('bot', null, online);
    expect(await sut.request('c1', { by: 'customer' })).toEqual({ status: 'handoff_requested' });
    expect(handoffs.markRequested).toHaveBeenCalled();
    expect(messages.insert).toHaveBeenCalledWith({}, expect.objectContaining({ author: 'system', text, suggestions: buttons }));
    expect(emitter.handoffQueued).toHaveBeenCalledWith('c1', expect.objectContaining({ status: 'handoff_requested', message: expect.objectContaining({ author: 'system', text }) }), { agentsOnline: online, openNow: true });
  });

  it('does not ask for an email it knows: the identified customer\'s, or one left before', async () => {
    for (const known of [{ customerEmail: 'ann@example.com' }, { contactEmail: 'ann@example.com' }]) {
      const { sut, messages } = setup('bot', null, 0, known);
      await sut.request('c1', { by: 'customer' });
      expect(messages.insert).toHaveBeenCalledWith({}, expect.objectContaining({ text: HANDOFF_AWAY_TEXT, suggestions: null }));
    }
  });

  it('outside business hours says when the team is back and offers the email field, even with a console open', async () => {
    // Open around the clock but closed today (a holiday): back tomorrow at midnight.
    const hours: BusinessHours = { timeZone: 'UTC', windows: parseOpeningWindows('mon-sun 00:00-24:00'), closedDates: [new Date().toISOString().slice(0, 10)] };
    const { sut, messages, emitter } = setup('bot', null, 3, { businessHours: hours });
    await sut.request('c1', { by: 'customer' });
    const stored = messages.insert.mock.calls[0][1] as { text: string; suggestions: unknown };
    expect(stored.text).toMatch(/^Thanks for your patience\. Our team is away right now and back \w+ at \d{2}:\d{2} \(UTC\)\. .+ Or leave your email below/);
    expect(stored.suggestions).toEqual([CONTACT_BUTTON]);
    expect(emitter.handoffQueued).toHaveBeenCalledWith('c1', expect.anything(), { agentsOnline: 3, openNow: false });
  });
});

describe('HandoffService: asking again', () => {
  it.each([['handoff_requested'], ['agent']] as const)('while %s answers from a plain read: no agent count, no message, no push', async (status) => {
    const { sut, emitter, handoffs, messages } = setup(status, status === 'agent' ? 'ann' : null, 0);
    expect(await sut.request('c1', { by: 'customer' })).toEqual({ status });
    expect(emitter.agentsOnline).not.toHaveBeenCalled();
    expect(handoffs.markRequested).not.toHaveBeenCalled();
    expect(messages.insert).not.toHaveBeenCalled();
    expect(emitter.handoffQueued).not.toHaveBeenCalled();
  });

  it('a closed conversation is still refused with a typed error', async () => {
    const { sut } = setup('closed', null);
    await expect(sut.request('c1', { by: 'customer' })).rejects.toBeInstanceOf(ConversationClosedError);
  });
});

describe('HandoffService: who may take and release', () => {
  it('an agent takes a waiting conversation: status, system message, audit, push', async () => {
    const { sut, handoffs, emitter, audit } = setup('handoff_requested', null);
    const result = await sut.take('c1', ann);
    expect(result).toMatchObject({ changed: true, view: { status: 'agent', assignedAgent: { id: 'ann' } }, before: { status: 'handoff_requested' } });
    expect(handoffs.assign).toHaveBeenCalledWith({}, 'c1', 'ann');
    expect(audit.record).toHaveBeenCalledWith(expect.objectContaining({ action: 'handoff.take', before: { status: 'handoff_requested', assignedAgentId: null }, after: { status: 'agent', assignedAgentId: 'ann' } }), {});
    expect(emitter.conversationStatus).toHaveBeenCalledWith('c1', expect.objectContaining({ status: 'agent' }), expect.objectContaining({ id: expect.any(String), name: expect.any(String) }));
    expect(emitter.handoffChanged).toHaveBeenCalledWith('c1', 'taken');
  });

  it('taking again is a no-op for the agent who has it', async () => {
    const { sut, handoffs, emitter } = setup('agent', 'ann');
    expect(await sut.take('c1', ann)).toMatchObject({ changed: false });
    expect(handoffs.assign).not.toHaveBeenCalled();
    expect(emitter.handoffChanged).not.toHaveBeenCalled();
  });

  it("another agent may neither take nor release someone else's conversation; an admin may", async () => {
    await expect(setup('agent', 'ann').sut.take('c1', bob)).rejects.toMatchObject({ code: 'HANDOFF_NOT_ALLOWED' });
    await expect(setup('agent', 'ann').sut.release('c1', bob)).rejects.toBeInstanceOf(DomainError);
    expect(await setup('agent', 'ann').sut.take('c1', boss)).toMatchObject({ changed: true, view: { assignedAgent: { id: 'boss' } } });
    expect(await setup('agent', 'ann').sut.release('c1', boss)).toMatchObject({ changed: true, view: { status: 'bot' } });
  });

  it('releasing a conversation the bot has is a no-op; a closed one is refused', async () => {
    const { sut, handoffs } = setup('bot', null);
    expect(await sut.release('c1', ann)).toMatchObject({ changed: false });
    expect(handoffs.returnToBot).not.toHaveBeenCalled();
    await expect(setup('closed', null).sut.take('c1', ann)).rejects.toBeInstanceOf(ConversationClosedError);
  });
});

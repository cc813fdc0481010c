import type { AppConfig } from '@app/config';
import type { BotReply, ConversationStatus } from '@app/contracts';
import { RestChannelService } from './rest-channel.service';

const REPLY = { messageId: 'r1', seq: 2, replyTo: 'm1', text: 'Sure.', route: 'template', intent: 'x', confidence: 0.9, entities: [], createdAt: '2026-12-07T00:00:00Z' } as BotReply;

/** The service over stand-ins: which of its three ways to a reply it takes, and when it waits at all. */
function setup(status: ConversationStatus, ack: { duplicate: boolean }, stored: boolean) {
  const conversations = {
    start: jest.fn(async () => ({ conversationId: 'c1', token: 'tok', resumed: false, status: 'bot', lastSeq: 0, messages: [] })),
    authenticate: jest.fn(async () => ({ id: 'c1', status })),
    receive: jest.fn(async () => ({ messageId: 'm1', seq: 1, ...ack })),
  };
  const rows = { findById: jest.fn(async () => ({ id: 'c1', status })) };
  const row = { id: 'r1', seq: 2, replyToId: 'm1', text: 'Sure.', route: 'template', intent: 'x', confidence: 0.9, entities: [], sources: null, modelVersion: null, createdAt: new Date() };
  const messages = { findReplyTo: jest.fn(async () => (stored ? row : null)) };
  const turns = { replyTo: jest.fn(async () => REPLY) };
  const sut = new RestChannelService({ chat: { maxMessageChars: 2000, restReplyWaitMs: 10_000 } } as AppConfig, conversations as never, rows as never, messages as never, turns as never, {} as never, {} as never);
  return { sut, conversations, messages, turns };
}

describe('RestChannelService', () => {
  it('waits for the reply this instance delivers (with its buttons) on a new message', async () => {
    const { sut, turns } = setup('bot', { duplicate: false }, false);
    expect(await sut.send('tok', { clientMessageId: 'a', text: 'hi' })).toMatchObject({ conversationId: 'c1', messageId: 'm1', status: 'bot', reply: REPLY });
    expect(turns.replyTo).toHaveBeenCalledWith('m1', 10_000);
  });

  it('does not wait while a person has the conversation: the bot will not answer', async () => {
    const { sut, turns } = setup('agent', { duplicate: false }, false);
    expect(await sut.send('tok', { clientMessageId: 'a', text: 'hi' })).toMatchObject({ status: 'agent', reply: null });
    expect(turns.replyTo).not.toHaveBeenCalled();
  });

  it("answers a resend whose reply is stored from the database, and starts a conversation only without a token", async () => {
    const { sut, conversations, messages } = setup('bot', { duplicate: true }, true);
    const res = await sut.send('tok', { clientMessageId: 'a', text: 'hi' });
    expect(res).toMatchObject({ duplicate: true, reply: { messageId: 'r1', replyTo: 'm1', text: 'Sure.' } });
    expect(res).not.toHaveProperty('conversationToken');
    expect(messages.findReplyTo).toHaveBeenCalledWith('m1');
    expect(conversations.start).not.toHaveBeenCalled();
    expect((await sut.send(undefined, { clientMessageId: 'b', text: 'hi' })).conversationToken).toBe('tok');
  });

  it('refuses an empty first message before starting a conversation for it', async () => {
    const { sut, conversations } = setup('bot', { duplicate: false }, false);
    await expect(sut.send(undefined, { clientMessageId: 'a', text: '  ' })).rejects.toMatchObject({ code: 'MESSAGE_EMPTY' });
    expect(conversations.start).not.toHaveBeenCalled();
  });
});

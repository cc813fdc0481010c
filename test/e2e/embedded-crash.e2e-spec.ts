import { randomUUID } from 'node:crypto';
import type { SendMessageResult } from '@app/contracts';
import { makePgliteDir, ParleyProcess, removeDir, requestOk, requireModelDir, spawnParley, startConversation, stopParley, until, WidgetSocket } from '@app/testing';

/**
 * The embedded default (one machine, PGlite in a folder) killed with SIGKILL right after it acked a burst of
 * messages: after a restart on the same folder every acked message is there exactly once and gets exactly one
 * answer. The server runs as its own process (`npm start`'s entry), since a kill -9 must not take the test with it.
 */
jest.setTimeout(180_000);

function startServer(pgliteDir: string): Promise<ParleyProcess> {
  return spawnParley('server', {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DATABASE_URL: '',
    REDIS_URL: '',
    PGLITE_DIR: pgliteDir,
    PARLEY_MODEL_DIR: requireModelDir(),
    WORKER_MODE: 'off',
    RATE_LIMIT_MESSAGES_PER_MINUTE: '0',
  });
}

describe('the embedded default killed with SIGKILL', () => {
  const dir = makePgliteDir();
  let server: ParleyProcess | null = null;
  const sockets: WidgetSocket[] = [];

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await stopParley(server);
    removeDir(dir);
  });

  it('keeps every message it acked, once, and answers each once after the restart', async () => {
    server = await startServer(dir);
    const first = await startConversation(server.ready.url as string);
    sockets.push(first.socket);
    const texts = Array.from({ length: 20 }, (_, i) => `where is my order ${7_300_000 + i}`);
    const acks = await Promise.all(texts.map((text) => requestOk<SendMessageResult>(first.socket, 'message:send', { clientMessageId: randomUUID(), text }, 30_000)));
    await stopParley(server, 'SIGKILL'); // the moment the last ack is in: replies may or may not have been written

    server = await startServer(dir);
    const url = server.ready.url as string;
    const acked = acks.map((a) => a.messageId);
    // Resuming from seq 0 returns the whole history; a resume also answers what is still owed.
    const messages = await until(
      'every acked message to be answered after the restart',
      async () => {
        const resumed = await startConversation(url, { token: first.conversation.token, lastSeq: 0 });
        sockets.push(resumed.socket);
        const history = resumed.conversation.messages;
        return history.filter((m) => m.author === 'bot' && m.replyTo !== null).length >= acked.length && history;
      },
      60_000,
      500,
    );
    const customer = messages.filter((m) => m.author === 'customer');
    expect(customer.map((m) => m.messageId).sort()).toEqual([...acked].sort());
    expect(customer.map((m) => m.text).sort()).toEqual([...texts].sort());
    const replyTo = messages.filter((m) => m.author === 'bot').map((m) => m.replyTo);
    expect([...replyTo].sort()).toEqual([...acked].sort()); // each acked message answered exactly once
    expect(new Set(messages.map((m) => m.seq)).size).toBe(messages.length);
  });
});

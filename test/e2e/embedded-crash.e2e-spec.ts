import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { MessageView, SendMessageResult } from '@app/contracts';
import { makePgliteDir, removeDir, requestOk, requireModelDir, startConversation, WidgetSocket } from '@app/testing';

/**
 * The embedded default (one machine, PGlite in a folder) killed with SIGKILL right after it acked a burst of
 * messages: after a restart on the same folder every acked message is there exactly once and gets exactly one
 * answer. The server runs as its own process (`npm start`'s entry), since a kill -9 must not take the test with it.
 */
jest.setTimeout(180_000);

interface Server {
  proc: ChildProcess;
  url: string;
  output: string[];
}

async function startServer(pgliteDir: string): Promise<Server> {
  const output: string[] = [];
  const proc = spawn(process.execPath, ['scripts/start.js'], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      REDIS_URL: '',
      PGLITE_DIR: pgliteDir,
      PARLEY_MODEL_DIR: requireModelDir(),
      WORKER_MODE: 'off',
      RATE_LIMIT_MESSAGES_PER_MINUTE: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const ready = /PARLEY_READY (\{.*\})/.exec(buf);
      if (ready) resolve(JSON.parse(ready[1]).url);
    });
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output.join('').slice(-2000)}`)));
  });
  return { proc, url, output };
}

async function stop(server: Server | null, signal: NodeJS.Signals): Promise<void> {
  if (!server || server.proc.exitCode !== null || server.proc.signalCode !== null) return;
  const exited = new Promise((r) => server.proc.once('exit', r));
  server.proc.kill(signal);
  await exited;
}

describe('the embedded default killed with SIGKILL', () => {
  const dir = makePgliteDir();
  let server: Server | null = null;
  const sockets: WidgetSocket[] = [];

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await stop(server, 'SIGTERM');
    removeDir(dir);
  });

  it('keeps every message it acked, once, and answers each once after the restart', async () => {
    server = await startServer(dir);
    const first = await startConversation(server.url);
    sockets.push(first.socket);
    const texts = Array.from({ length: 20 }, (_, i) => `where is my order ${7_300_000 + i}`);
    const acks = await Promise.all(texts.map((text) => requestOk<SendMessageResult>(first.socket, 'message:send', { clientMessageId: randomUUID(), text }, 30_000)));
    await stop(server, 'SIGKILL'); // the moment the last ack is in: replies may or may not have been written

    server = await startServer(dir);
    const acked = acks.map((a) => a.messageId);
    let messages: MessageView[] = [];
    const deadline = Date.now() + 60_000;
    for (;;) {
      // Resuming from seq 0 returns the whole history; a resume also answers what is still owed.
      const resumed = await startConversation(server.url, { token: first.conversation.token, lastSeq: 0 });
      sockets.push(resumed.socket);
      messages = resumed.conversation.messages;
      const answered = messages.filter((m) => m.author === 'bot' && m.replyTo !== null).length;
      if (answered >= acked.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const customer = messages.filter((m) => m.author === 'customer');
    expect(customer.map((m) => m.messageId).sort()).toEqual([...acked].sort());
    expect(customer.map((m) => m.text).sort()).toEqual([...texts].sort());
    const replyTo = messages.filter((m) => m.author === 'bot').map((m) => m.replyTo);
    expect([...replyTo].sort()).toEqual([...acked].sort()); // each acked message answered exactly once
    expect(new Set(messages.map((m) => m.seq)).size).toBe(messages.length);
  });
});

/**
 * Terminal client for the widget protocol, like `rasa shell`: type a message, see the bot's reply with its
 * route, intent, confidence and entities underneath.
 *
 *   npm run chat -- [--url http://localhost:3000] [--token <conversation token>]
 *
 * Commands: /1, /2 … (press the last reply's n-th button), /human (ask for a person), /up and /down (rate the last
 * reply), /token, /quit.
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { io, Socket } from 'socket.io-client';
import { Ack, BotReply, ClientToServerEvents, SendMessageResult, ServerToClientEvents, StartConversationResult, WIDGET_NAMESPACE } from '@app/contracts';

type WidgetSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function request<T>(socket: WidgetSocket, event: keyof ClientToServerEvents, payload: unknown): Promise<Ack<T>> {
  return (await (socket.timeout(15_000) as unknown as { emitWithAck: (e: string, p: unknown) => Promise<Ack<T>> }).emitWithAck(event, payload)) as Ack<T>;
}

async function call<T>(socket: WidgetSocket, event: keyof ClientToServerEvents, payload: unknown): Promise<T> {
  const ack = await request<T>(socket, event, payload);
  if (!ack.ok) throw new Error(`${ack.error.code}: ${ack.error.message}`);
  return ack.data;
}

/** Refusals after which the same message goes again (nothing was stored; the clientMessageId keeps it stored once). */
const RESEND = new Set(['BUSY', 'RATE_LIMITED', 'DB_UNAVAILABLE']);
const MAX_SENDS = 10;

/** How long input piped in waits, at its end, for the replies still owed (none come while a person has the chat). */
const REPLY_GRACE_MS = 15_000;

/** Sends one message; on BUSY (server catching up) and the like, resends it after retryAfterMs plus jitter. */
async function sendMessage(socket: WidgetSocket, text: string): Promise<string> {
  const payload = { clientMessageId: randomUUID(), text };
  for (let attempt = 1; ; attempt++) {
    const ack = await request<SendMessageResult>(socket, 'message:send', payload);
    if (ack.ok) return ack.data.messageId;
    if (!RESEND.has(ack.error.code) || attempt >= MAX_SENDS) throw new Error(`${ack.error.code}: ${ack.error.message}`);
    const wait = Math.round((ack.error.retryAfterMs ?? 1_000) * (1 + Math.random() * 0.5));
    console.log(dim(`server ${ack.error.code === 'BUSY' ? 'busy' : ack.error.code}; sending again in ${wait} ms`));
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

function printReply(r: BotReply): void {
  console.log(`${bold('bot>')} ${r.text}`);
  const entities = r.entities.map((e) => `${e.label}=${JSON.stringify(e.value && 'value' in e.value ? e.value.value : e.text)}`).join(' ');
  const details = [`route=${r.route}`, `intent=${r.intent ?? '-'}`, `confidence=${r.confidence === null ? '-' : r.confidence.toFixed(3)}`];
  if (entities) details.push(`entities: ${entities}`);
  console.log(dim(`      ${details.join('  ')}`));
  for (const s of r.sources ?? []) console.log(dim(`      source: ${s.title} (${s.slug}, score ${s.score})`));
  if (r.suggestions?.length) console.log(dim(`      buttons: ${r.suggestions.map((s, i) => `/${i + 1} [${s.text}]`).join('  ')}`));
}

async function main(): Promise<void> {
  const url = arg('url') ?? 'http://localhost:3000';
  const socket: WidgetSocket = io(`${url}${WIDGET_NAMESPACE}`, { transports: ['websocket'], reconnection: true });
  socket.on('connect_error', (e) => console.error(dim(`connection failed: ${e.message} (is the server running at ${url}?)`)));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));

  let lastSeq = 0;
  let lastReply: BotReply | null = null;
  // Messages sent and not answered yet: at the end of piped input the client waits for them before it quits.
  const owed = new Set<string>();
  // Replies that came before their send returned (same read as the ack); each is taken out by its send.
  const answered = new Set<string>();
  let settled: (() => void) | null = null;
  const forget = (id?: string) => {
    if (id) owed.delete(id);
    else owed.clear();
    if (owed.size === 0) settled?.();
  };
  /** Waits (at most REPLY_GRACE_MS) until every message sent has its reply; false if some are still owed. */
  const repliesIn = async (): Promise<boolean> => {
    if (owed.size > 0) {
      await new Promise<void>((resolve) => {
        settled = resolve;
        setTimeout(resolve, REPLY_GRACE_MS).unref();
      });
    }
    return owed.size === 0;
  };
  const send = async (text: string) => {
    const id = await sendMessage(socket, text);
    if (!answered.delete(id)) owed.add(id);
  };
  const askForPerson = async () => console.log(dim(`status: ${(await call<{ status: string }>(socket, 'handoff:request', {})).status}`));
  const started = await call<StartConversationResult>(socket, 'conversation:start', arg('token') ? { token: arg('token') } : {});
  const token = started.token ?? arg('token');
  console.log(dim(`${started.resumed ? 'resumed' : 'started'} conversation ${started.conversationId} at ${url}. /1 /2 … (buttons), /human, /up, /down, /token, /quit`));
  for (const m of started.messages) console.log(dim(`  #${m.seq} ${m.author}: ${m.text}`));
  lastSeq = started.lastSeq;

  socket.on('bot:reply', (r) => {
    lastSeq = Math.max(lastSeq, r.seq);
    lastReply = r;
    printReply(r);
    // Owed: its send has returned. Else the reply came in the same read as the ack, before the send returned.
    if (owed.has(r.replyTo)) forget(r.replyTo);
    else answered.add(r.replyTo);
  });
  socket.on('handoff:queued', (e) => {
    console.log(`${bold('system>')} ${e.message.text}`);
    forget(); // the bot is silent while a person is asked for
  });
  socket.on('agent:message', (m) => console.log(`${bold('agent>')} ${m.text}`));
  socket.on('error', (e) => console.log(dim(`error ${e.code}: ${e.message}`)));
  // After a reconnect, resume the same conversation and show what was missed.
  socket.io.on('reconnect', () => {
    void call<StartConversationResult>(socket, 'conversation:start', { token, lastSeq }).then((r) => r.messages.forEach((m) => console.log(dim(`  #${m.seq} ${m.author}: ${m.text}`))));
  });

  // The async iterator buffers lines, so pasted or piped input is not lost while a reply is awaited.
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'you> ' });
  rl.prompt();
  for await (const raw of rl) {
    const line = raw.trim();
    try {
      if (line === '/quit') break;
      else if (line === '') continue;
      else if (line === '/token') console.log(dim(`token: ${token} (resume with --token)`));
      else if (line === '/human') await askForPerson();
      else if (/^\/\d+$/.test(line)) {
        // A button of the latest reply: wait for the replies still owed (piped input runs ahead of them).
        await repliesIn();
        const button = (lastReply as BotReply | null)?.suggestions?.[Number(line.slice(1)) - 1];
        if (!button) console.log(dim('no such button on the last reply'));
        else if (button.action === 'handoff:request') await askForPerson();
        else {
          console.log(`${bold('you>')} ${button.text}`);
          await send(button.text);
        }
      }
      else if (line === '/up' || line === '/down') {
        const reply = lastReply as BotReply | null;
        if (!reply) console.log(dim('no reply to rate yet'));
        else await call(socket, 'feedback:send', { messageId: reply.messageId, rating: line.slice(1) });
      } else await send(line);
    } catch (error) {
      console.log(dim((error as Error).message));
    } finally {
      rl.prompt();
    }
  }
  rl.close();
  if (!(await repliesIn())) console.log(dim(`${owed.size} message(s) still unanswered after ${REPLY_GRACE_MS / 1000} s`));
  socket.disconnect();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

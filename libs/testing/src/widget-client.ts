import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';
import { Ack, BotReply, ClientToServerEvents, SendMessageResult, StartConversationResult, WIDGET_NAMESPACE } from '@app/contracts';
import { collectEvents, waitForEvent, WidgetSocket } from './wait-for-event';

type EventName = keyof ClientToServerEvents;

/** A connected widget socket (websocket transport, no auto-reconnect: tests reconnect explicitly). */
export async function connectWidget(baseUrl: string, options: { auth?: Record<string, unknown>; timeout?: number } = {}): Promise<WidgetSocket> {
  const socket: WidgetSocket = io(`${baseUrl}${WIDGET_NAMESPACE}`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: options.auth,
    timeout: options.timeout ?? 10_000,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => reject(error));
  });
  return socket;
}

/** Emits with an ack and resolves with it; rejects if no ack comes within `timeout` ms. */
export async function request<T = unknown>(socket: WidgetSocket, event: EventName, payload?: unknown, timeout = 10_000): Promise<Ack<T>> {
  const s = socket.timeout(timeout) as unknown as { emitWithAck: (e: string, ...args: unknown[]) => Promise<Ack<T>> };
  return payload === undefined ? s.emitWithAck(event) : s.emitWithAck(event, payload);
}

/** Like {@link request}, but throws on `{ ok: false }` and returns `data`. */
export async function requestOk<T = unknown>(socket: WidgetSocket, event: EventName, payload?: unknown, timeout = 10_000): Promise<T> {
  const ack = await request<T>(socket, event, payload, timeout);
  if (!ack.ok) throw new Error(`${event} refused: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}

/** Connects and starts (or resumes, with `token`) a conversation. */
export async function startConversation(
  baseUrl: string,
  payload: { token?: string; lastSeq?: number } = {},
): Promise<{ socket: WidgetSocket; conversation: StartConversationResult }> {
  const socket = await connectWidget(baseUrl);
  const conversation = await requestOk<StartConversationResult>(socket, 'conversation:start', payload);
  return { socket, conversation };
}

/** Sends `text` and resolves with the bot's reply to it (a reply that beats the ack counts too). */
export async function ask(socket: WidgetSocket, text: string, timeout = 20_000): Promise<BotReply> {
  const pending = collectEvents(socket, 'bot:reply');
  const ack = await requestOk<SendMessageResult>(socket, 'message:send', { clientMessageId: randomUUID(), text });
  const early = pending.stop().find((r) => r.replyTo === ack.messageId);
  return early ?? waitForEvent(socket, 'bot:reply', { timeout, filter: (r) => r.replyTo === ack.messageId });
}

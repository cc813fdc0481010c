import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { UsersService } from '@app/auth';
import { Ack, AGENT_NAMESPACE, AgentClientToServerEvents, AgentServerToClientEvents, AuthUser, LoginResult, UserRole } from '@app/contracts';
import { AppUserRepository } from '@app/database';
import type { TestApp } from './test-app';
import { waitForEvent, WidgetSocket } from './wait-for-event';

export type AgentSocket = Socket<AgentServerToClientEvents, AgentClientToServerEvents>;

/** Password of every user made by {@link ensureUser} (tests only). */
export const TEST_PASSWORD = 'correct horse battery staple';

/** Creates the user through the app's own service (hashing included), or returns the existing one. */
export async function ensureUser(t: TestApp, input: { email: string; role: UserRole; name?: string }): Promise<AuthUser> {
  const existing = await t.app.get(AppUserRepository).findByEmail(input.email);
  if (existing) {
    if (existing.role !== input.role || existing.disabled) await t.app.get(UsersService).update(existing.id, { role: input.role, disabled: false, password: TEST_PASSWORD }, { ...existing });
    return { id: existing.id, email: existing.email, name: existing.name, role: input.role };
  }
  const created = await t.app.get(UsersService).create({ email: input.email, role: input.role, name: input.name ?? input.email.split('@')[0], password: TEST_PASSWORD }, null);
  return { id: created.id, email: created.email, name: created.name, role: created.role };
}

/** `POST /api/auth/login`; throws unless it succeeds. */
export async function login(url: string, email: string, password = TEST_PASSWORD): Promise<LoginResult> {
  const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (res.status !== 200) throw new Error(`login of ${email} refused: ${res.status} ${await res.text()}`);
  return (await res.json()) as LoginResult;
}

/** A signed-in user of `role` (a fresh account unless `email` names one): its token and user. */
export async function signIn(t: TestApp, role: UserRole, email = `${role}-${randomUUID().slice(0, 8)}@parley.test`): Promise<LoginResult> {
  await ensureUser(t, { email, role });
  return login(t.url, email);
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** A REST call with a bearer token (and a JSON body when given): the status and the parsed body. */
export async function callApi<T = any>(baseUrl: string, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...bearer(token), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** A connected `/agent` console socket (rejects with the `connect_error`). */
export async function connectAgent(baseUrl: string, token: string | undefined): Promise<AgentSocket> {
  const socket: AgentSocket = io(`${baseUrl}${AGENT_NAMESPACE}`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: token === undefined ? {} : { token },
    timeout: 10_000,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => {
      socket.disconnect();
      reject(error);
    });
  });
  return socket;
}

type AgentEventArg<E extends keyof AgentServerToClientEvents> = Parameters<AgentServerToClientEvents[E]>[0];

/** {@link waitForEvent} for an agent console socket. */
export function waitForAgentEvent<E extends keyof AgentServerToClientEvents>(
  socket: AgentSocket,
  event: E,
  options: { timeout?: number; filter?: (arg: AgentEventArg<E>) => boolean } = {},
): Promise<AgentEventArg<E>> {
  return waitForEvent(socket as unknown as WidgetSocket, event as never, options as never) as unknown as Promise<AgentEventArg<E>>;
}

/** Emits with an ack on an agent socket and resolves with the ack. */
export async function agentRequest<T = unknown>(socket: AgentSocket, event: keyof AgentClientToServerEvents, payload: unknown, timeout = 10_000): Promise<Ack<T>> {
  const s = socket.timeout(timeout) as unknown as { emitWithAck: (e: string, ...args: unknown[]) => Promise<Ack<T>> };
  return s.emitWithAck(event, payload);
}

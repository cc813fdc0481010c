import type { Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@app/contracts';

export type WidgetSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type EventArg<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

/**
 * Resolves with the next `event` (that passes `filter`), rejects after `timeout` ms or when the socket
 * disconnects first. The way tests wait: no sleeps, no `done` callbacks.
 */
export function waitForEvent<E extends keyof ServerToClientEvents>(
  socket: WidgetSocket,
  event: E,
  options: { timeout?: number; filter?: (arg: EventArg<E>) => boolean } = {},
): Promise<EventArg<E>> {
  const timeout = options.timeout ?? 10_000;
  return new Promise((resolve, reject) => {
    const s = socket as unknown as { on: (e: string, l: (...a: any[]) => void) => void; off: (e: string, l: (...a: any[]) => void) => void };
    const cleanup = () => {
      clearTimeout(timer);
      s.off(event, onEvent);
      s.off('disconnect', onDisconnect);
    };
    const onEvent = (arg: EventArg<E>) => {
      if (options.filter && !options.filter(arg)) return;
      cleanup();
      resolve(arg);
    };
    const onDisconnect = (reason: string) => {
      cleanup();
      reject(new Error(`socket disconnected (${reason}) while waiting for ${String(event)}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeout} ms waiting for ${String(event)}`));
    }, timeout);
    s.on(event, onEvent);
    s.on('disconnect', onDisconnect);
  });
}

/** Collects every `event` from now on; `stop()` detaches and returns them. */
export function collectEvents<E extends keyof ServerToClientEvents>(socket: WidgetSocket, event: E): { events: EventArg<E>[]; stop: () => EventArg<E>[] } {
  const events: EventArg<E>[] = [];
  const s = socket as unknown as { on: (e: string, l: (a: any) => void) => void; off: (e: string, l: (a: any) => void) => void };
  const listener = (arg: EventArg<E>) => events.push(arg);
  s.on(event, listener);
  return {
    events,
    stop: () => {
      s.off(event, listener);
      return events;
    },
  };
}

/**
 * Polls `probe` every `everyMs` until it returns something truthy, and resolves with that; rejects with
 * "timed out waiting for <what>" after `timeoutMs`. For state with no event to wait on (readiness, a row).
 */
export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

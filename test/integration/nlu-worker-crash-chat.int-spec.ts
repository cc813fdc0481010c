import { PinoLoggerService } from '@app/logging';
import { NluService } from '@app/nlu';
import {
  ask,
  bootTestApp,
  startConversation,
  TestApp,
  TestDatabase,
  WidgetSocket,
} from '@app/testing';
import { faultOnNextBatch } from './nlu-model.helper';

/**
 * An inference worker dying mid-turn, seen from the chat: the real server on PGlite and PostgreSQL, the real
 * model in worker threads, a real socket.io client. The turn whose batch was on the dead worker gets the
 * fallback (offer a human), the failure is counted and logged without the message text, and the next
 * message is understood again.
 */
jest.setTimeout(180_000);

describe.each<[TestDatabase]>([['pglite'], ['postgres']])('chat turn when an NLU worker crashes (%s)', (kind) => {
  const TEXT = 'I want to cancel my order 732201349959';
  const lines: string[] = [];
  let t: TestApp;
  let socket: WidgetSocket | undefined;

  const metric = async (series: string): Promise<number> => {
    const body = await (await fetch(`${t.url}/metrics`)).text();
    const line = body.split('\n').find((l) => l.startsWith(`${series} `));
    return Number(line?.split(' ')[1] ?? NaN);
  };
  const nluErrors = (): Promise<number> => metric('parley_nlu_errors_total');
  const logged = (event: string): Record<string, unknown>[] =>
    lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === event);

  beforeAll(async () => {
    const logger = new PinoLoggerService('info', { write: (line: string) => void lines.push(line) });
    // 3 workers, not the library's default 2: the swap test below tells config from defaults.
    t = await bootTestApp({ kind }, { NLU_WORKERS: '3', NLU_CALL_TIMEOUT_MS: '20000' }, { logger });
  });

  afterAll(async () => {
    socket?.disconnect();
    await t?.close();
  });

  it('answers the turn on the dead worker with the fallback, counts it, and understands the next message', async () => {
    socket = (await startConversation(t.url)).socket;
    const nlu = t.app.get(NluService);
    const normal = await ask(socket, TEXT);
    expect(normal.modelVersion).toBe(nlu.modelInfo!.version);
    expect(normal.intent).not.toBeNull();
    const errorsBefore = await nluErrors();

    faultOnNextBatch(nlu, 'throw');
    const failed = await ask(socket, TEXT);
    expect(failed.route).toBe('fallback');
    expect(failed.text).toMatch(/^Sorry/);
    expect(failed.intent).toBeNull();
    expect(failed.modelVersion).toBeUndefined();
    expect(await nluErrors()).toBe(errorsBefore + 1);

    const again = await ask(socket, TEXT);
    expect(again).toMatchObject({ route: normal.route, intent: normal.intent, text: normal.text, modelVersion: normal.modelVersion });
    expect(nlu.stats!.workers).toMatchObject({ crashes: 1, timeouts: 0 });
    expect(await metric('parley_nlu_worker_failures_total{reason="crash"}')).toBe(1);
    expect(await metric('parley_nlu_worker_failures_total{reason="timeout"}')).toBe(0);
    // The replacement may still be loading; at least the worker that answered "again" is alive.
    expect(await metric('parley_nlu_workers_alive')).toBeGreaterThanOrEqual(1);

    const [crash] = logged('nlu.worker.crashed');
    expect(crash).toMatchObject({ level: 'error', reason: 'error', failedCalls: 1 });
    const [turnFailure] = logged('nlu.failed');
    expect(turnFailure).toMatchObject({ err: { code: 'NLU_INFERENCE_FAILED' } });
    for (const line of lines.filter((l) => l.includes('nlu.'))) expect(line).not.toContain('732201349959');
  });

  it('a model swap (what promote and rollback do) keeps the configured workers and deadline', async () => {
    const nlu = t.app.get(NluService);
    expect(nlu.modelInfo!.runtime).toEqual({ backend: 'workers', workers: 3, threads: 1, callTimeoutMs: 20000 });
    await nlu.swap(nlu.modelInfo!.dir);
    expect(nlu.modelInfo!.runtime).toEqual({ backend: 'workers', workers: 3, threads: 1, callTimeoutMs: 20000 });
    expect(await metric('parley_nlu_workers_alive')).toBe(3);
  });
});

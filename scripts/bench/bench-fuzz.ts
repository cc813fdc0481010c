/**
 * Fuzz run: boots the server as a child (node scripts/start.js on its own PGlite dir), then throws a seeded
 * stream of hostile traffic at it over loopback: malformed, oversized, wrongly typed and out-of-order socket.io
 * events and raw packets, unknown events, events before `conversation:start`, binary, deep nesting, acks for
 * packets the server never sent, bad tokens on every namespace, and HTTP bodies, queries and headers against
 * every REST route the server's OpenAPI document lists (auth routes included). It counts how each one was
 * answered (typed error, accepted, connection closed by the server, no answer), child exits (crashes), 5xx,
 * and the child's memory: RSS and heap after a forced GC (through the inspector) after each of two equal passes,
 * so growth between passes is what the traffic left behind, not garbage not yet collected.
 *
 *   npm run bench:fuzz [-- --events 12000 --seed 6 --workers 8 --seconds 900]
 *
 * Writes bench/results/fuzz.json. Rate limits are off in the child (they would answer most of the stream with
 * RATE_LIMITED before it reached a handler; test/e2e/security-limits.e2e-spec.ts covers them) and training jobs
 * never run (WORKER_MODE=off; job, promote and rollback routes are only sent without a valid token).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { io, Socket } from 'socket.io-client';
// ws ships with socket.io (engine.io's transport); used only to ask the child's inspector for a GC.
import { WebSocket } from 'ws';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '12000' },
    seed: { type: 'string', default: '6' },
    workers: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '900' },
    model: { type: 'string', default: process.env.PARLEY_MODEL_DIR ?? 'models/default' },
    out: { type: 'string', default: 'bench/results/fuzz.json' },
  },
});
const EVENTS = Number(values.events);
const WORKERS = Number(values.workers);
const DEADLINE = performance.now() + Number(values.seconds) * 1000;
const ACK_TIMEOUT_MS = 10_000;
const MAX_PAYLOAD = 65_536;
const ADMIN = { email: 'fuzz-admin@example.com', password: 'fuzz-admin-password-1' };

// ---------------------------------------------------------------------------------------------- randomness

/** mulberry32: small, fast, seedable; the same seed gives the same stream of events. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
  };
}
type Rng = ReturnType<typeof rng>;

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uFFFF\uFFFE',
  '🙂'.repeat(50),
  '\u202Eevil',
  `'; DROP TABLE message; --`,
  `' OR 1=1 --`,
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '{{company.support_phone}}',
  '{{constructor.constructor("return process")()}}',
  '${process.exit(1)}',
  '%s%s%s%n',
  '../../../../etc/passwd',
  '__proto__',
  'constructor',
  'NaN',
  '1e309',
  '-0',
  'true',
  'null',
  'jane.doe@example.com 4111 1111 1111 1111 +44 20 7946 0958',
  'x'.repeat(2001),
  'where is my order #A-1234?',
];

function randomString(g: Rng): string {
  if (g.chance(0.5)) return g.pick(NASTY_STRINGS);
  const len = g.pick([1, 5, 40, 300, 5000]);
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(g.chance(0.9) ? 32 + g.int(95) : g.int(0x10000));
  return s;
}

/** Any JSON-ish value, nested up to `depth`; prototype-pollution keys included. */
function randomValue(g: Rng, depth = 3): unknown {
  const kind = g.int(depth > 0 ? 10 : 7);
  switch (kind) {
    case 0:
      return g.pick([0, -1, 1.5, 2 ** 53 + 1, -(2 ** 31), Number.MAX_VALUE, 1e-300]);
    case 1:
      return randomString(g);
    case 2:
      return g.chance(0.5);
    case 3:
      return null;
    case 4:
      return g.pick([randomUUID(), 'not-a-uuid', '00000000-0000-0000-0000-000000000000']);
    case 5:
      return g.pick(['up', 'down', 'sideways', 'en', 'xx-YY-zzzzzzzzz']);
    case 6:
      return undefined;
    case 7:
      return Array.from({ length: g.int(5) }, () => randomValue(g, depth - 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = g.int(5); i > 0; i--) o[g.pick(['text', 'token', 'clientMessageId', 'rating', 'messageId', 'reason', 'lastSeq', 'locale', 'comment', 'a', '__proto__', 'constructor', 'prototype'])] = randomValue(g, depth - 1);
      return o;
    }
  }
}

/** The JSON text of a value nested `depth` levels deep, built as text (JSON.stringify itself overflows). */
function deepJson(g: Rng, depth: number): string {
  return g.chance(0.5) ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"text":'.repeat(depth)}"x"${'}'.repeat(depth)}`;
}

/** `[[[[...]]]]` or `{a:{a:{...}}}` `depth` levels deep (stack-depth attacks on validators and parsers). */
function deep(g: Rng, depth: number): unknown {
  let v: unknown = g.chance(0.5) ? 'x' : {};
  for (let i = 0; i < depth; i++) v = g.chance(0.5) ? [v] : { text: v };
  return v;
}

// ------------------------------------------------------------------------------------------------- tallies

type Outcome = 'typed' | 'ok' | 'closed' | 'no_answer' | 'untyped' | 'server_error';
const tally = { events: 0, byOutcome: {} as Record<Outcome, number>, byCategory: {} as Record<string, Partial<Record<Outcome, number>>> };
const examples: Record<string, string[]> = {};
/** Socket acks slower than ACK_TIMEOUT_MS (answered, but late) and the slowest one. */
const slowest = { count: 0, ms: 0 };
function count(category: string, outcome: Outcome, detail?: string): void {
  tally.events += 1;
  tally.byOutcome[outcome] = (tally.byOutcome[outcome] ?? 0) + 1;
  const c = (tally.byCategory[category] ??= {});
  c[outcome] = (c[outcome] ?? 0) + 1;
  if ((outcome === 'no_answer' || outcome === 'untyped' || outcome === 'server_error') && detail) {
    const list = (examples[outcome] ??= []);
    if (list.length < 10) list.push(`${category}: ${detail.slice(0, 300)}`);
  }
}
/** encodeURIComponent that survives lone surrogates (which it refuses). */
const enc = (v: unknown) => encodeURIComponent(String(v).replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
const isTyped = (e: unknown): boolean => !!e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'string' && typeof (e as { message?: unknown }).message === 'string';
/** An `error` event or ack error: typed, typed but internal (a 500 in disguise), or untyped. */
const classify = (e: unknown): Outcome => (!isTyped(e) ? 'untyped' : (e as { code: string }).code === 'INTERNAL_ERROR' ? 'server_error' : 'typed');

// -------------------------------------------------------------------------------------------------- server

interface Child {
  proc: ChildProcess;
  url: string;
  inspector: string;
}
let crashes = 0;
const crashLog: string[] = [];
/** The running child, killed on any way out of this script (never left behind). */
let running: ChildProcess | null = null;
process.on('exit', () => running?.kill('SIGKILL'));

async function bootServer(): Promise<Child> {
  const dir = resolve('var/pglite-fuzz');
  mkdirSync(dir, { recursive: true });
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    DATABASE_URL: '',
    REDIS_URL: '',
    PGLITE_DIR: dir,
    PARLEY_MODEL_DIR: resolve(values.model!),
    PARLEY_ADMIN_EMAIL: ADMIN.email,
    PARLEY_ADMIN_PASSWORD: ADMIN.password,
    WORKER_MODE: 'off',
    RATE_LIMIT_MESSAGES_PER_MINUTE: '0',
    RATE_LIMIT_EVENTS_PER_MINUTE: '0',
    RATE_LIMIT_CONNECTIONS_PER_MINUTE_PER_IP: '0',
    RATE_LIMIT_HTTP_PER_MINUTE_PER_IP: '0',
  };
  // The inspector (loopback, random port) lets the bench force a GC in the child before each memory reading.
  const proc = spawn(process.execPath, ['--inspect=127.0.0.1:0', 'scripts/start.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running = proc;
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  const ready = await new Promise<{ url: string; inspector: string }>((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error('server did not start within 300 s')), 300_000);
    const check = () => {
      const m = /PARLEY_READY (\{.*\})/.exec(out);
      const i = /Debugger listening on (ws:\/\/\S+)/.exec(stderr);
      if (m && i) {
        clearTimeout(timer);
        ok({ url: JSON.parse(m[1]).url, inspector: i[1] });
      }
    };
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      check();
    });
    proc.stderr!.on('data', check);
    proc.once('exit', (code) => fail(new Error(`server exited with ${code} during boot:\n${stderr.slice(-3000)}`)));
  });
  // The child logs at `error` level: keep what its internal errors say (where, what), for the report.
  let partial = '';
  proc.stdout!.on('data', (c: Buffer) => {
    const lines = (partial + c.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('"error.internal"')) continue;
      try {
        const rec = JSON.parse(line) as { where?: string; err?: { message?: string } };
        const list = (examples.server_log ??= []);
        if (list.length < 20) list.push(`${rec.where}: ${rec.err?.message?.slice(0, 200)}`);
      } catch {
        // A partial line: skipped, the count comes from the answers anyway.
      }
    }
  });
  proc.once('exit', (code, signal) => {
    crashes += 1;
    crashLog.push(`exit ${code ?? signal}: ${stderr.slice(-2000)}`);
  });
  return { proc, ...ready };
}

/** Forces a full GC in the child through the inspector, then reads its memory. */
async function settledMemory(child: Child): Promise<{ rssMb: number; heapUsedMb: number }> {
  const ws = new WebSocket(child.inspector);
  await new Promise((ok, fail) => ws.once('open', ok).once('error', fail));
  let id = 0;
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<any>((ok) => {
      const my = ++id;
      const onMessage = (data: Buffer) => {
        const msg = JSON.parse(data.toString());
        if (msg.id === my) {
          ws.off('message', onMessage);
          ok(msg.result);
        }
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id: my, method, params }));
    });
  await call('HeapProfiler.enable');
  for (let i = 0; i < 3; i++) await call('HeapProfiler.collectGarbage');
  await new Promise((r) => setTimeout(r, 500));
  const r = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
  ws.close();
  const mem = JSON.parse(r.result.value) as { rss: number; heapUsed: number };
  return { rssMb: mb(mem.rss), heapUsedMb: mb(mem.heapUsed) };
}
const log = (line: string) => process.stderr.write(`[fuzz ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** VmRSS of the child, sampled while the fuzz runs (the peak is reported). */
function rssSampler(pid: number) {
  let max = 0;
  const read = () => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) max = Math.max(max, Number(m[1]) * 1024);
    } catch {
      // The child is gone: the exit handler counts it as a crash.
    }
  };
  const timer = setInterval(read, 250);
  return { stop: () => (clearInterval(timer), mb(max)) };
}

// ------------------------------------------------------------------------------------------------- sockets

type AnySocket = Socket;
const WIDGET_EVENTS = ['conversation:start', 'message:send', 'handoff:request', 'feedback:send', 'typing:start', 'typing:stop'];
const AGENT_EVENTS = ['handoff:take', 'handoff:release', 'agent:message', 'typing:start', 'typing:stop'];
const RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

function connect(url: string, namespace: string, auth?: unknown, timeout = 5000): Promise<AnySocket | { error: any }> {
  const socket = io(`${url}${namespace}`, { transports: ['websocket'], reconnection: false, forceNew: true, timeout, auth: auth as Record<string, unknown> });
  return new Promise((ok) => {
    // socket.io-client's `timeout` covers the transport only; a namespace whose middleware never answers the
    // CONNECT packet would leave the client waiting forever: that is a finding, reported as such.
    const timer = setTimeout(() => {
      socket.disconnect();
      ok({ error: { message: `no answer to CONNECT on ${namespace} within ${2 * timeout} ms`, noAnswer: true } });
    }, 2 * timeout);
    socket.once('connect', () => (clearTimeout(timer), ok(socket)));
    // A CONNECT packet the server's parser refuses (auth that is not an object) closes the transport.
    socket.io.once('close', (reason: string) => {
      clearTimeout(timer);
      ok({ error: { message: `transport closed: ${reason}`, closed: true } });
    });
    socket.once('connect_error', (error: any) => {
      clearTimeout(timer);
      socket.disconnect();
      ok({ error });
    });
  });
}

/** Emits with an ack and classifies the answer; `closed` when the server dropped the connection instead. */
function emitWithAck(socket: AnySocket, event: string, args: unknown[]): Promise<{ outcome: Outcome; detail?: string }> {
  return new Promise((ok) => {
    let settled = false;
    const finish = (r: { outcome: Outcome; detail?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('disconnect', onClose);
      ok(r);
    };
    const onClose = (reason: string) => finish({ outcome: 'closed', detail: reason });
    // An answer after ACK_TIMEOUT_MS is slow, not missing (the machine is shared and loaded): wait up to 6x for it.
    const sentAt = performance.now();
    const timer = setTimeout(() => finish({ outcome: 'no_answer', detail: `${event} ${JSON.stringify(args).slice(0, 200)}` }), 6 * ACK_TIMEOUT_MS);
    socket.on('disconnect', onClose);
    socket.emit(event, ...args, (ack: any) => {
      const ms = performance.now() - sentAt;
      slowest.ms = Math.max(slowest.ms, ms);
      if (ms > ACK_TIMEOUT_MS) {
        slowest.count += 1;
        const list = (examples.slow ??= []);
        if (list.length < 10) list.push(`${event} answered after ${Math.round(ms)} ms`);
      }
      if (ack && ack.ok === true) finish({ outcome: 'ok' });
      else if (ack && ack.ok === false && isTyped(ack.error)) finish({ outcome: classify(ack.error), detail: `${event}: ${ack.error.code}` });
      else finish({ outcome: 'untyped', detail: `${event} → ${JSON.stringify(ack)?.slice(0, 200)}` });
    });
  });
}

/**
 * Sends something that asks for no ack (`send`), then listens `waitMs` for the answer: a refusal must come back
 * as an `error` event (or a close); silence means accepted.
 */
function sendAndListen(socket: AnySocket, send: () => void, waitMs = 300): Promise<Outcome> {
  return new Promise((ok) => {
    const done = (o: Outcome) => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off('disconnect', onClose);
      ok(o);
    };
    const onError = (e: unknown) => done(classify(e));
    const onClose = () => done('closed');
    const timer = setTimeout(() => done('ok'), waitMs);
    socket.on('error', onError);
    socket.on('disconnect', onClose);
    send();
  });
}

const emitNoAck = (socket: AnySocket, event: string, args: unknown[]) => sendAndListen(socket, () => socket.emit(event, ...args));
/** Writes a raw socket.io packet string straight onto the engine (no client-side encoding or checks). */
const writeRaw = (socket: AnySocket, packet: string) =>
  sendAndListen(socket, () => (socket as unknown as { io: { engine: { write: (d: string) => void } } }).io.engine.write(packet));

/** A raw socket.io packet string on the engine (malformed packets, foreign namespaces, stray acks). */
function rawPacket(g: Rng, nsp: string): string {
  return g.pick([
    `2${nsp},["message:send"`, // truncated JSON
    `2${nsp},{not json}`,
    `2${nsp},["message:send",{"clientMessageId":"x","text":"hi"},"extra",1,2,3]`,
    `2${nsp},[]`,
    `2${nsp},[42,{"a":1}]`,
    `2${nsp},[null]`,
    `2${nsp},${g.int(1e9)}["typing:start"]`, // an ack id the client will never read
    `2${nsp},99999999999999999999999["typing:start"]`,
    `3${nsp},${g.int(1e6)}[{"ok":true}]`, // an ack for a packet the server never sent (out of order)
    `3${nsp},abc[1]`,
    `5${nsp},1-["message:send",{"_placeholder":true,"num":0}]`, // binary event whose attachment never comes
    `5${nsp},3-["x",{"_placeholder":true,"num":7}]`,
    `6${nsp},1[{"_placeholder":true,"num":0}]`,
    `0/nope,`, // connect to a namespace that does not exist
    `0${nsp},{"token":${JSON.stringify(randomString(g).slice(0, 200))}}`,
    `1${nsp},`, // leave the namespace
    `9${nsp},[]`, // unknown packet type
    `4${nsp},{"message":"client says error"}`,
    `2/admin,["models:list"]`,
    `2${nsp},["__proto__",{"polluted":true}]`,
    `2${nsp},["constructor",{}]`,
    `2${nsp},["toString"]`,
  ]);
}

async function socketEvent(g: Rng, url: string, state: { socket: AnySocket | null; started: boolean }): Promise<void> {
  const ensure = async (start: boolean): Promise<AnySocket | null> => {
    if (!state.socket || !state.socket.connected) {
      const s = await connect(url, '/widget');
      if ('error' in s) return null;
      state.socket = s;
      state.started = false;
    }
    if (start && !state.started) {
      const r = await emitWithAck(state.socket, 'conversation:start', [{}]);
      state.started = r.outcome === 'ok';
    }
    return state.socket;
  };
  const kind = g.int(100);
  if (kind < 30) {
    // Wrong types, missing and extra fields on the real events, with an ack.
    const s = await ensure(g.chance(0.7));
    if (!s) return count('socket.reconnect', 'no_answer', 'could not connect');
    const event = g.pick(WIDGET_EVENTS);
    const payload = g.chance(0.3) ? randomValue(g, 2) : { ...(randomValue(g, 2) as object), ...(g.chance(0.5) ? { clientMessageId: randomUUID(), text: randomString(g) } : {}) };
    const r = await emitWithAck(s, event, g.chance(0.1) ? [payload, randomValue(g, 1)] : [payload]);
    count('socket.wrong_types', r.outcome, r.detail);
  } else if (kind < 38) {
    // Well-formed messages with hostile text (each one is a real turn: NLU, search, templates).
    const s = await ensure(true);
    if (!s) return count('socket.reconnect', 'no_answer', 'could not connect');
    const r = await emitWithAck(s, 'message:send', [{ clientMessageId: g.chance(0.2) ? 'same-id' : randomUUID(), text: randomString(g).slice(0, 2000) || 'hi' }]);
    count('socket.hostile_text', r.outcome, r.detail);
  } else if (kind < 46) {
    // Events before conversation:start, on a fresh socket.
    const s = await connect(url, '/widget');
    if ('error' in s) return count('socket.before_start', 'untyped', `connect refused: ${s.error?.message}`);
    const event = g.pick(WIDGET_EVENTS.filter((e) => e !== 'conversation:start'));
    const r = await emitWithAck(s, event, [{ clientMessageId: randomUUID(), text: 'hello', messageId: randomUUID(), rating: 'up' }]);
    count('socket.before_start', r.outcome, r.detail);
    s.disconnect();
  } else if (kind < 54) {
    // Unknown events, with an ack: the server must answer UNKNOWN_EVENT, not leave the client waiting.
    const s = await ensure(g.chance(0.5));
    if (!s) return count('socket.reconnect', 'no_answer', 'could not connect');
    let event = g.pick(['nope', 'message:sendd', 'MESSAGE:SEND', 'bot:reply', 'error', 'admin:promote', '', ' ', 'x'.repeat(500), randomString(g).slice(0, 100)]);
    if (RESERVED.has(event)) event = `${event}_`;
    const r = await emitWithAck(s, event, [randomValue(g, 1)]);
    count('socket.unknown_event', r.outcome, r.detail);
  } else if (kind < 60) {
    // Events without an ack callback: refusals must arrive as `error` events.
    const s = await ensure(g.chance(0.6));
    if (!s) return count('socket.reconnect', 'no_answer', 'could not connect');
    const r = await emitNoAck(s, g.pick(WIDGET_EVENTS), [randomValue(g, 2)]);
    count('socket.no_ack', r);
  } else if (kind < 66) {
    // Binary payloads.
    const s = await ensure(g.chance(0.6));
    if (!s) return count('socket.reconnect', 'no_answer', 'could not connect');
    const bytes = Buffer.alloc(g.pick([0, 1, 100, 30_000]), g.int(256));
    const r = await emitWithAck(s, g.pick(WIDGET_EVENTS), [g.chance(0.5) ? bytes : { clientMessageId: randomUUID(), text: bytes }]);
    count('socket.binary', r.outcome, r.detail);
  } else if (kind < 72) {
    // Deep nesting.
    const s = await ensure(g.chance(0.6));
    if (!s) return count('socket.reconnect', 'no_answer', 'could not connect');
    if (g.chance(0.5)) {
      const r = await emitWithAck(s, g.pick(WIDGET_EVENTS), [deep(g, g.pick([50, 500, 1000]))]);
      count('socket.deep_nesting', r.outcome, r.detail);
    } else {
      // Deeper than a client can stringify: written as a raw packet (the server's parser must cope, or close).
      const outcome = await writeRaw(s, `2/widget,["${g.pick(WIDGET_EVENTS)}",${deepJson(g, g.pick([5000, 20_000]))}]`);
      count('socket.deep_nesting_raw', outcome);
    }
  } else if (kind < 76) {
    // Oversized packets: the transport closes that connection.
    const s = await ensure(false);
    if (!s) return count('socket.reconnect', 'no_answer', 'could not connect');
    const r = await emitWithAck(s, 'message:send', [{ clientMessageId: randomUUID(), text: 'x'.repeat(MAX_PAYLOAD + g.int(200_000)) }]);
    count('socket.oversized', r.outcome, r.detail);
  } else if (kind < 86) {
    // Raw malformed packets and stray acks straight onto the engine.
    const s = await ensure(g.chance(0.5));
    if (!s) return count('socket.reconnect', 'no_answer', 'could not connect');
    const packet = rawPacket(g, '/widget');
    const outcome = await writeRaw(s, packet);
    // A raw CONNECT / DISCONNECT / CONNECT_ERROR changes the namespace session behind the client library's back
    // (a refused second CONNECT makes socket.io-client stop listening while it still looks connected): use a
    // fresh socket afterwards, or the next events would wait for acks the client no longer reads.
    if (/^[014]/.test(packet)) {
      s.disconnect();
      state.socket = null;
    }
    count('socket.raw_packet', outcome);
  } else if (kind < 93) {
    // Bad tokens: handshake auth and conversation:start on the widget, handshake on the agent/admin namespaces.
    const where = g.pick(['/widget', '/agent', '/admin', '/', '/nope']);
    const token = g.pick([randomString(g).slice(0, 300), 'x'.repeat(64), randomUUID(), 42, null, { $gt: '' }, ['a'], 'Bearer abc']);
    if (where === '/widget' && g.chance(0.5)) {
      const s = await ensure(false);
      if (!s) return count('socket.reconnect', 'no_answer', 'could not connect');
      const r = await emitWithAck(s, 'conversation:start', [{ token, lastSeq: g.pick([0, -1, 1e12, 'x']) }]);
      count('socket.bad_token', r.outcome, r.detail);
      state.started = false;
      return;
    }
    const s = await connect(url, where, g.chance(0.8) ? { token } : token);
    if ('error' in s) {
      const outcome: Outcome = s.error?.noAnswer ? 'no_answer' : s.error?.closed ? 'closed' : isTyped(s.error?.data) || /Invalid namespace/.test(s.error?.message) ? 'typed' : 'untyped';
      count('socket.bad_token', outcome, `${where} token ${JSON.stringify(token)?.slice(0, 80)}: ${s.error?.message}`);
    }
    else {
      // Connected without a valid token: only acceptable where the namespace is anonymous (widget, root).
      count('socket.bad_token', where === '/widget' || where === '/' ? 'ok' : 'untyped', `${where} accepted token ${JSON.stringify(token)}`);
      if (where === '/agent') {
        const r = await emitWithAck(s, g.pick(AGENT_EVENTS), [randomValue(g, 1)]);
        count('socket.agent_unauth', r.outcome === 'no_answer' ? 'no_answer' : r.outcome, r.detail);
      }
      s.disconnect();
    }
  } else {
    // Connection churn: connect, maybe start, drop without a goodbye.
    const s = await connect(url, '/widget');
    if ('error' in s) return count('socket.churn', 'untyped', s.error?.message);
    if (g.chance(0.5)) await emitWithAck(s, 'conversation:start', [{}]);
    (s as unknown as { io: { engine: { close: () => void } } }).io.engine.close();
    count('socket.churn', 'ok');
  }
}

// ---------------------------------------------------------------------------------------------------- HTTP

interface Route {
  method: string;
  path: string;
}
/** Routes a valid admin token must never reach with a fuzzed body: they start training or switch models. */
const DANGEROUS = [/^POST \/api\/jobs$/, /^POST \/api\/models\/.*(promote|rollback)/, /^POST \/api\/auth\/logout$/, /^POST \/api\/transcripts/];

async function httpEvent(g: Rng, url: string, routes: Route[], adminToken: string | null): Promise<void> {
  const route = g.chance(0.9) ? g.pick(routes) : { method: g.pick(['GET', 'POST']), path: g.pick(['/api/nope', '/../../etc/passwd', '/api/content/templates/../../x', '/%00', `/${'a'.repeat(3000)}`]) };
  const method = g.chance(0.8) ? route.method : g.pick(['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS', 'HEAD']);
  const path = route.path.replace(/\{[^}]+\}/g, () => enc(g.pick([randomUUID(), 'not-a-uuid', '0', '-1', `' OR 1=1 --`, '%2e%2e%2f', 'x'.repeat(500), '__proto__'])));
  const query = g.chance(0.5)
    ? `?${Array.from({ length: 1 + g.int(4) }, () => `${enc(g.pick(['limit', 'offset', 'intent', 'status', 'format', 'since', 'cursor', 'minConfidence', '__proto__[x]', 'a[b][c]']))}=${enc(randomValue(g, 0))}`).join('&')}`
    : '';
  const dangerous = DANGEROUS.some((r) => r.test(`${method} ${route.path}`));
  const auth = g.pick(['none', 'admin', 'admin', 'garbage', 'basic', 'huge']);
  const headers: Record<string, string> = {};
  if (auth === 'admin' && adminToken && !dangerous) headers.authorization = `Bearer ${adminToken}`;
  else if (auth === 'garbage' || (auth === 'admin' && dangerous)) headers.authorization = `Bearer ${g.pick(['x', randomUUID(), 'a'.repeat(64)])}`;
  else if (auth === 'basic') headers.authorization = 'Basic YWRtaW46YWRtaW4=';
  else if (auth === 'huge') headers.authorization = `Bearer ${'a'.repeat(6000)}`;
  let body: string | Buffer | undefined;
  const bodyKind = method === 'GET' || method === 'HEAD' ? 'none' : g.pick(['json', 'json', 'malformed', 'deep', 'huge', 'binary', 'form', 'none']);
  if (bodyKind === 'json') body = JSON.stringify(g.chance(0.3) ? { email: ADMIN.email, password: randomString(g).slice(0, 100), ...(randomValue(g, 2) as object) } : randomValue(g, 3)) ?? 'null';
  else if (bodyKind === 'malformed') body = g.pick(['{', '{"a":', '[1,2', '{"a":1}}', 'nul', '\u0000', "{'a':1}", '{"__proto__":{"polluted":1}}']);
  else if (bodyKind === 'deep') body = deepJson(g, g.pick([100, 2000, 20_000]));
  else if (bodyKind === 'huge') body = JSON.stringify({ data: 'x'.repeat(MAX_PAYLOAD + g.int(500_000)) });
  else if (bodyKind === 'binary') body = Buffer.from(Array.from({ length: 200 }, () => g.int(256)));
  else if (bodyKind === 'form') body = 'a=1&a=2&__proto__[x]=1';
  if (body !== undefined) headers['content-type'] = g.pick(['application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x']);
  try {
    const res = await fetch(`${url}${path}${query}`, { method, headers, body, signal: AbortSignal.timeout(ACK_TIMEOUT_MS), redirect: 'manual' });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    const category = `http.${bodyKind}`;
    const detail = `${method} ${route.path} ${res.status} ${text.slice(0, 120)}`;
    // 431/414 come from Node's HTTP parser (headers or URL over its limit) before any application code runs:
    // a transport-level refusal, like a socket closed for an oversized packet.
    if (res.status === 431 || res.status === 414) count(category, 'closed', detail);
    else if (res.status >= 500) count(category, 'server_error', detail);
    else if (res.status >= 400) count(category, isTyped(json) || method === 'HEAD' ? 'typed' : 'untyped', detail);
    else count(category, 'ok');
  } catch (error) {
    count(`http.${bodyKind}`, 'no_answer', `${method} ${path.slice(0, 80)}: ${(error as Error).message}`);
  }
}

async function adminLogin(url: string): Promise<string | null> {
  const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  if (!res.ok) return null;
  return ((await res.json()) as { token: string }).token;
}

async function listRoutes(url: string): Promise<Route[]> {
  const doc = (await (await fetch(`${url}/docs-json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const routes: Route[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) for (const method of Object.keys(ops)) routes.push({ method: method.toUpperCase(), path });
  // Non-API routes the document does not list.
  routes.push({ method: 'GET', path: '/health' }, { method: 'GET', path: '/ready' }, { method: 'GET', path: '/metrics' });
  return routes;
}

// ------------------------------------------------------------------------------------------------------ run

const progress = { next: 1000 };

async function pass(seed: number, events: number, url: string, routes: Route[], adminToken: string | null): Promise<void> {
  const target = tally.events + events;
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, w) => {
      const g = rng(seed * 1000 + w);
      const state = { socket: null as AnySocket | null, started: false };
      while (tally.events < target && performance.now() < DEADLINE && crashes === 0) {
        const before = tally.events;
        const step = g.chance(0.6) ? socketEvent(g, url, state) : httpEvent(g, url, routes, adminToken);
        // A watchdog on the bench itself: a step that never settles is counted, and the worker moves on.
        const stuck = await Promise.race([step.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 12 * ACK_TIMEOUT_MS).unref())]);
        if (stuck) {
          count('bench.stuck_step', 'no_answer', `worker ${w} after event ${before}`);
          state.socket?.disconnect();
          state.socket = null;
        }
        if (tally.events >= progress.next) {
          progress.next += 1000;
          log(`${tally.events} events, ${crashes} crashes`);
        }
      }
      state.socket?.disconnect();
    }),
  );
}

async function main(): Promise<void> {
  const started = performance.now();
  const load = [loadavg()];
  const child = await bootServer();
  process.stdout.write(`fuzzing ${child.url} (pid ${child.proc.pid}) with ${EVENTS} events, seed ${values.seed}, ${WORKERS} workers\n`);
  const routes = await listRoutes(child.url);
  const adminToken = await adminLogin(child.url);
  log(`${routes.length} routes, admin token: ${adminToken !== null}`);
  const base = await settledMemory(child);
  log(`base memory ${JSON.stringify(base)}`);
  const sampler = rssSampler(child.proc.pid!);
  const seed = Number(values.seed);

  await pass(seed, Math.ceil(EVENTS / 2), child.url, routes, adminToken);
  const afterFirst = crashes === 0 ? await settledMemory(child) : null;
  load.push(loadavg());
  await pass(seed + 1, EVENTS - Math.ceil(EVENTS / 2), child.url, routes, adminToken);
  const afterSecond = crashes === 0 ? await settledMemory(child) : null;
  const peakRssMb = sampler.stop();
  load.push(loadavg());
  // Still up and answering after everything?
  const alive = crashes === 0 && (await fetch(`${child.url}/health`).then((r) => r.ok, () => false));
  child.proc.removeAllListeners('exit');
  child.proc.kill('SIGTERM');
  const hard = setTimeout(() => child.proc.kill('SIGKILL'), 15_000);
  await new Promise((r) => child.proc.once('exit', r));
  clearTimeout(hard);
  running = null;

  const o = tally.byOutcome;
  const result = {
    bench: 'fuzz',
    date: new Date().toISOString(),
    seed,
    workers: WORKERS,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    events: tally.events,
    crashes,
    alive,
    errors: o.typed ?? 0,
    accepted: o.ok ?? 0,
    closedByServer: o.closed ?? 0,
    noAnswer: o.no_answer ?? 0,
    untyped: o.untyped ?? 0,
    serverErrors: o.server_error ?? 0,
    slowAnswers: slowest.count,
    slowestAckMs: Math.round(slowest.ms),
    rss: {
      baseMb: base.rssMb,
      afterPass1Mb: afterFirst?.rssMb ?? null,
      afterPass2Mb: afterSecond?.rssMb ?? null,
      growthPass1To2Mb: afterFirst && afterSecond ? Math.round((afterSecond.rssMb - afterFirst.rssMb) * 10) / 10 : null,
      peakMb: peakRssMb,
    },
    heapUsed: {
      baseMb: base.heapUsedMb,
      afterPass1Mb: afterFirst?.heapUsedMb ?? null,
      afterPass2Mb: afterSecond?.heapUsedMb ?? null,
      growthPass1To2Mb: afterFirst && afterSecond ? Math.round((afterSecond.heapUsedMb - afterFirst.heapUsedMb) * 10) / 10 : null,
    },
    byCategory: tally.byCategory,
    examples,
    crashLog,
    routes: routes.length,
    adminToken: adminToken !== null,
    machine: { cpus: availableParallelism(), cpu: cpus()[0]?.model, node: process.version, loadavg: load.map((l) => l.map((x) => Math.round(x * 100) / 100)) },
  };
  mkdirSync(join(values.out!, '..'), { recursive: true });
  writeFileSync(values.out!, `${JSON.stringify(result, null, 2)}\n`);

  const rows: [string, string | number | null][] = [
    ['events', result.events],
    ['crashes (child exits)', result.crashes],
    ['typed errors', result.errors],
    ['accepted', result.accepted],
    ['closed by server (oversized / malformed packets)', result.closedByServer],
    ['no answer (silent drop)', result.noAnswer],
    ['untyped answers', result.untyped],
    ['5xx / INTERNAL_ERROR', result.serverErrors],
    ['socket acks slower than 10 s / slowest (ms)', `${result.slowAnswers} / ${result.slowestAckMs}`],
    ['RSS base / pass 1 / pass 2 (MB, after GC)', `${base.rssMb} / ${result.rss.afterPass1Mb} / ${result.rss.afterPass2Mb}`],
    ['RSS growth pass 1 → 2 (MB)', result.rss.growthPass1To2Mb],
    ['heap used base / pass 1 / pass 2 (MB)', `${base.heapUsedMb} / ${result.heapUsed.afterPass1Mb} / ${result.heapUsed.afterPass2Mb}`],
    ['peak RSS (MB)', peakRssMb],
    ['seconds', result.seconds],
    ['load average (start, mid, end, 1 min)', load.map((l) => l[0].toFixed(2)).join(', ')],
  ];
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(52)} ${v}\n`);
  for (const [k, list] of Object.entries(examples)) process.stdout.write(`\n${k}:\n  ${list.join('\n  ')}\n`);
  process.stdout.write(`\nwrote ${values.out}\n`);
  process.exit(crashes === 0 && alive ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

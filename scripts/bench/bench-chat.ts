/**
 * Chat server bench: boots the server as a child (node scripts/start.js, PGlite by default), connects N widget
 * clients over loopback and has each send messages at a steady pace for a bounded time. Measures the reply
 * latency (emit `message:send` → matching `bot:reply`), the ack latency, msgs/s and errors. Prints a table
 * and writes bench/results/chat.json.
 *
 *   npm run bench:chat [-- --clients 100 --rate 300 --seconds 20 --db pglite|postgres --url http://host:port]
 *
 * `--rate` is the offered load in msgs/s over all clients (each client sends every clients/rate seconds, and
 * never has more than one message waiting for its reply). `--url` benchmarks an already running server. A send the
 * server refuses BUSY (admission control) is resent after its hint, like the widget does; refusals are counted.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { io, Socket } from 'socket.io-client';
import { LATENCY_MESSAGE } from './latency-message';
import { busyWait, CpuMeter, MIX, pct } from './load-harness';
import { createNluService } from '@app/nlu';
import type { Ack, BotReply, ClientToServerEvents, SendMessageResult, ServerToClientEvents, StartConversationResult } from '@app/contracts';

type WidgetSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '100' },
    rate: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    db: { type: 'string', default: 'pglite' },
    // The embedded database's folder, kept between runs (the KB vectors are embedded once); default
    // var/bench-pglite/<model version>: a server boots the registry's active version, so a folder first booted with
    // another model would go on serving that one whatever --model says.
    'pglite-dir': { type: 'string' },
    url: { type: 'string' },
    model: { type: 'string', default: process.env.PARLEY_MODEL_DIR ?? 'models/default' },
    out: { type: 'string', default: 'bench/results/chat.json' },
  },
});
const CLIENTS = Number(values.clients);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const REPLY_TIMEOUT_MS = 10_000;

interface Sample {
  /** When the message was first sent, ms after the measured window began. */
  atMs: number;
  replyMs: number;
  ackMs: number;
  route: string;
}

function manifestVersion(modelDir: string): string {
  return String((JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')) as { version: unknown }).version);
}

async function bootServer(): Promise<{ url: string; child: ChildProcess | null; modelVersion: string | null }> {
  if (values.url) return { url: values.url, child: null, modelVersion: null };
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    PARLEY_MODEL_DIR: resolve(values.model),
    // Every bench client comes from 127.0.0.1 and sends faster than a person: the abuse limits would measure
    // themselves (docs/security.md).
    RATE_LIMIT_MESSAGES_PER_MINUTE: '0',
    RATE_LIMIT_EVENTS_PER_MINUTE: '0',
    RATE_LIMIT_CONNECTIONS_PER_MINUTE_PER_IP: '0',
    RATE_LIMIT_HTTP_PER_MINUTE_PER_IP: '0',
  };
  if (values.db === 'postgres') env.DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://parley:parley@127.0.0.1:5432/parley_test';
  else {
    // A dedicated, persistent dir: the KB vectors are embedded once, later runs boot fast.
    env.DATABASE_URL = '';
    env.PGLITE_DIR = resolve(values['pglite-dir'] ?? join('var/bench-pglite', manifestVersion(values.model)));
  }
  // BENCH_SERVER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) goes to the server process, as in bench:load.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, 'scripts/start.js'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolveUrl, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error('server did not start within 300 s')), 300_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const m = /PARLEY_READY (\{.*\})/.exec(buffer);
      if (m) {
        clearTimeout(timer);
        resolveUrl(JSON.parse(m[1]).url);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  child.stdout!.resume();
  const ready = (await (await fetch(`${url}/ready`)).json()) as { model?: { version: string } | null };
  return { url, child, modelVersion: ready.model?.version ?? null };
}

async function connect(url: string): Promise<WidgetSocket> {
  const socket: WidgetSocket = io(`${url}/widget`, { transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((ok, fail) => {
    socket.once('connect', () => ok());
    socket.once('connect_error', fail);
  });
  const ack = (await socket.timeout(30_000).emitWithAck('conversation:start', {})) as Ack<StartConversationResult>;
  if (!ack.ok) throw new Error(ack.error.code);
  return socket;
}

/** One client: send, wait for the reply to that message, wait for the next slot, repeat. */
async function runClient(socket: WidgetSocket, index: number, endAt: number, measureFrom: number, samples: Sample[], errors: string[], refusals: { n: number }): Promise<void> {
  const interval = (CLIENTS / RATE) * 1000;
  let next = performance.now() + (index / CLIENTS) * interval; // spread the clients over one interval
  let i = index;
  // A reply can arrive before the ack of its message (the turn may finish first): keep early ones by replyTo.
  const waiting = new Map<string, (r: BotReply) => void>();
  const early = new Map<string, BotReply>();
  socket.on('bot:reply', (r) => {
    const resolve = waiting.get(r.replyTo);
    if (resolve) resolve(r);
    else early.set(r.replyTo, r);
  });
  while (performance.now() < endAt) {
    const delay = next - performance.now();
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    next += interval;
    const sentAt = performance.now();
    try {
      const payload = { clientMessageId: randomUUID(), text: MIX[i++ % MIX.length] };
      let ack = (await socket.timeout(REPLY_TIMEOUT_MS).emitWithAck('message:send', payload)) as Ack<SendMessageResult>;
      // Refused by admission control (nothing stored): resend the same message after the hint, as the widget does;
      // the latency stays measured from the first send.
      while (!ack.ok && ack.error.code === 'BUSY' && performance.now() - sentAt < REPLY_TIMEOUT_MS) {
        if (sentAt >= measureFrom) refusals.n++;
        await busyWait(ack.error);
        ack = (await socket.timeout(REPLY_TIMEOUT_MS).emitWithAck('message:send', payload)) as Ack<SendMessageResult>;
      }
      if (!ack.ok) throw new Error(ack.error.code);
      const ackAt = performance.now();
      const id = ack.data.messageId;
      const reply =
        early.get(id) ??
        (await new Promise<BotReply>((ok, fail) => {
          const timer = setTimeout(() => fail(new Error('REPLY_TIMEOUT')), REPLY_TIMEOUT_MS);
          waiting.set(id, (r) => {
            clearTimeout(timer);
            ok(r);
          });
        }).finally(() => waiting.delete(id)));
      early.delete(id);
      if (sentAt >= measureFrom) samples.push({ atMs: sentAt - measureFrom, replyMs: performance.now() - sentAt, ackMs: ackAt - sentAt, route: reply.route });
    } catch (error) {
      if (sentAt >= measureFrom) errors.push((error as Error).message);
    }
  }
}

/**
 * How fast this machine is right now: the median of one 16-token message parsed on this thread by the same model
 * (one onnxruntime thread, no workers). A shared host's speed swings by 1.5-2x within an hour, and the chat
 * latency with it; runs compare only at a similar figure.
 */
async function hostSpeed(): Promise<{ parse_p50_ms: number }> {
  const nlu = await createNluService({ modelDir: resolve(values.model), backend: 'inline', threads: 1 });
  try {
    const ms: number[] = [];
    for (let i = 0; i < 250; i++) {
      const t = performance.now();
      await nlu.parse(LATENCY_MESSAGE);
      if (i >= 50) ms.push(performance.now() - t);
    }
    return { parse_p50_ms: Math.round(pct(ms.sort((a, b) => a - b), 50) * 1000) / 1000 };
  } finally {
    await nlu.close();
  }
}

const r2 = (n: number) => Math.round(n * 100) / 100;
/** The samples' reply latencies, ascending. */
const replyTimes = (of: Sample[]) => of.map((s) => s.replyMs).sort((a, b) => a - b);
/** Count, median and p99 of ascending latencies. */
const tail = (ms: number[]) => ({ n: ms.length, p50_ms: r2(pct(ms, 50)), p99_ms: r2(pct(ms, 99)) });

async function main(): Promise<void> {
  const speedBefore = await hostSpeed();
  const loadBefore = loadavg();
  const server = await bootServer();
  try {
    const sockets: WidgetSocket[] = [];
    for (let i = 0; i < CLIENTS; i += 20) sockets.push(...(await Promise.all(Array.from({ length: Math.min(20, CLIENTS - i) }, () => connect(server.url)))));
    const samples: Sample[] = [];
    const errors: string[] = [];
    const refusals = { n: 0 };
    const t0 = performance.now();
    const measureFrom = t0 + WARMUP * 1000;
    const endAt = measureFrom + SECONDS * 1000;
    // CPU over the measured window (Linux /proc): the server's per reply is steadier than its latency on a
    // shared machine, whose speed swings from one run to the next. Only for a server this bench started: with
    // --url its process is not ours to read, and a zero would read as a free server.
    const child = server.child;
    const cpu = child ? new CpuMeter(() => [{ index: 0, port: 0, url: server.url, child, modelEvents: [] }]) : null;
    const meterStart = setTimeout(() => cpu?.start(), WARMUP * 1000);
    let cpuUse = null as Record<string, unknown> | null;
    const meterStop = setTimeout(() => (cpuUse = cpu?.stop(samples.length) ?? null), WARMUP * 1000 + SECONDS * 1000);
    await Promise.all(sockets.map((s, i) => runClient(s, i, endAt, measureFrom, samples, errors, refusals)));
    clearTimeout(meterStart);
    clearTimeout(meterStop);
    const loadAfter = loadavg();
    for (const s of sockets) s.disconnect();
    const speedAfter = await hostSpeed();

    const reply = replyTimes(samples);
    const ack = samples.map((s) => s.ackMs).sort((a, b) => a - b);
    const routes: Record<string, number> = {};
    for (const s of samples) routes[s.route] = (routes[s.route] ?? 0) + 1;
    const byRoute: Record<string, { n: number; p50_ms: number; p99_ms: number }> = {};
    for (const route of Object.keys(routes)) byRoute[route] = tail(replyTimes(samples.filter((s) => s.route === route)));
    // Reply latency per second of the window: a tail from stalls (GC, a checkpoint, a vacuum) shows as a few bad
    // seconds, a tail from an overloaded machine as every second's p99 up.
    const bySecond: { second: number; n: number; p50_ms: number; p99_ms: number; max_ms: number }[] = [];
    for (let second = 0; second < SECONDS; second++) {
      const ms = replyTimes(samples.filter((s) => Math.floor(s.atMs / 1000) === second));
      if (ms.length) bySecond.push({ second, ...tail(ms), max_ms: r2(ms[ms.length - 1]) });
    }
    const errorCounts: Record<string, number> = {};
    for (const e of errors) errorCounts[e] = (errorCounts[e] ?? 0) + 1;
    const result = {
      bench: 'chat',
      date: new Date().toISOString(),
      db: values.url ? 'external' : values.db,
      model_version: server.modelVersion,
      clients: CLIENTS,
      offered_rate: RATE,
      seconds: SECONDS,
      warmup_s: WARMUP,
      replies: samples.length,
      msgs_per_s: r2(samples.length / SECONDS),
      p50_ms: r2(pct(reply, 50)),
      p90_ms: r2(pct(reply, 90)),
      p99_ms: r2(pct(reply, 99)),
      max_ms: r2(reply[reply.length - 1] ?? NaN),
      ack_p50_ms: r2(pct(ack, 50)),
      ack_p99_ms: r2(pct(ack, 99)),
      errors: errors.length,
      error_codes: errorCounts,
      refused_busy: refusals.n,
      routes,
      by_route: byRoute,
      by_second: bySecond,
      cpu: cpuUse,
      machine: { host_speed_before: speedBefore, host_speed_after: speedAfter, cpus: availableParallelism(), cpu_model: cpus()[0]?.model ?? null, load_avg_before: loadBefore.map(r2), load_avg_after: loadAfter.map(r2), node: process.version },
      notes: 'server and clients share the machine; server log level warn; each client waits for its reply before its next message; a send refused BUSY is resent after its retryAfterMs and its reply latency counts from the first send',
    };
    console.log('\nchat bench (reply = message:send emitted → its bot:reply received)');
    console.table([
      { metric: 'clients', value: CLIENTS },
      { metric: 'offered msgs/s', value: RATE },
      { metric: 'replied msgs/s', value: result.msgs_per_s },
      { metric: 'reply p50 ms', value: result.p50_ms },
      { metric: 'reply p90 ms', value: result.p90_ms },
      { metric: 'reply p99 ms', value: result.p99_ms },
      { metric: 'ack p50 ms', value: result.ack_p50_ms },
      { metric: 'errors', value: result.errors },
      { metric: 'BUSY refusals (resent)', value: result.refused_busy },
      { metric: 'server CPU ms per reply', value: (cpuUse?.cpu_ms_per_msg as Record<string, number> | undefined)?.servers ?? 'n/a' },
      { metric: 'load avg (1m) before → after', value: `${r2(loadBefore[0])} → ${r2(loadAfter[0])}` },
      { metric: 'host speed: one parse ms, before → after', value: `${speedBefore.parse_p50_ms} → ${speedAfter.parse_p50_ms}` },
    ]);
    console.log('by route:', byRoute, errors.length ? `errors: ${JSON.stringify(errorCounts)}` : '');
    const out = resolve(values.out);
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${values.out}`);
  } finally {
    if (server.child) {
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child!.once('exit', r));
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

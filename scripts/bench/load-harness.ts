/**
 * Shared parts of bench:load and bench:faults: server instances as child processes (node scripts/start.js on one
 * PostgreSQL and one Redis), a round-robin TCP proxy standing in for the load balancer, widget clients that behave
 * like customers (one message every few seconds, resend what was not acked, resume after a disconnect), and the
 * final count against the database: every acked message stored once and answered exactly once.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Server as NetServer, Socket as NetSocket, connect as netConnect } from 'node:net';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { io, Socket } from 'socket.io-client';
import type { Ack, BotReply, ClientToServerEvents, MessageView, SendMessageResult, ServerToClientEvents, StartConversationResult } from '@app/contracts';

type WidgetSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Support traffic of the kinds the bot sees (templates with entities, slot answers, retrieval, chit-chat). */
export const MIX = [
  'where is my order 732201349959',
  'I want to cancel my order',
  '12345678',
  'how do I reset my password',
  'can I get a refund for my last purchase',
  'what payment methods do you accept',
  'I need the invoice for order 55512',
  'how long does delivery take to Spain',
  'I want to talk to someone about a complaint',
  'how do I change my shipping address',
  'hello there',
  'do you sell gift cards',
];

export const r2 = (n: number) => Math.round(n * 100) / 100;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** What a client waits before resending a send refused BUSY: the server's hint plus up to 50 % jitter (docs/protocol.md). */
export const busyWait = (error: { retryAfterMs?: number }) => sleep((error.retryAfterMs ?? 1_000) * (1 + Math.random() * 0.5));
export function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ---- server instances ---------------------------------------------------------------------------

export interface Instance {
  index: number;
  port: number;
  url: string;
  child: ChildProcess | null;
  /** The instance's model switch log lines (`"event":"model.…"`), kept as evidence for bench:faults. */
  modelEvents: string[];
}

export interface InstanceEnv {
  databaseUrl: string;
  redisUrl: string;
  model: string;
  extra?: Record<string, string>;
}

/** Starts instance `index` on `port` and resolves once it printed PARLEY_READY. */
export async function startInstance(index: number, port: number, env: InstanceEnv): Promise<Instance> {
  const child = spawn(process.execPath, [...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), 'scripts/start.js'], {
    env: {
      ...(process.env as Record<string, string>),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      PARLEY_MODEL_DIR: resolve(env.model),
      // Every bench client comes from 127.0.0.1 and sends faster than a person: per-IP and per-socket limits off.
      RATE_LIMIT_MESSAGES_PER_MINUTE: '0',
      RATE_LIMIT_EVENTS_PER_MINUTE: '0',
      RATE_LIMIT_CONNECTIONS_PER_MINUTE_PER_IP: '0',
      RATE_LIMIT_HTTP_PER_MINUTE_PER_IP: '0',
      WORKER_MODE: 'off',
      ...env.extra,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((ok, fail) => {
    let buffer = '';
    const timer = setTimeout(() => fail(new Error(`instance ${index} did not start within 300 s`)), 300_000);
    const onExit = (code: number | null) => fail(new Error(`instance ${index} exited with ${code}`));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      if (buffer.includes('PARLEY_READY')) {
        clearTimeout(timer);
        child.off('exit', onExit);
        buffer = '';
        ok();
      }
    });
    child.once('exit', onExit);
  });
  const modelEvents: string[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.includes('"event":"model.') && modelEvents.length < 100) modelEvents.push(line);
  });
  return { index, port, url: `http://127.0.0.1:${port}`, child, modelEvents };
}

export async function stopInstance(instance: Instance, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const child = instance.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

/** GET /ready of every instance: `{ index: status or error }`. */
export async function readiness(instances: Instance[]): Promise<Array<{ index: number; status: number | 'down'; redis?: string; database?: string }>> {
  return Promise.all(
    instances.map(async (i) => {
      try {
        const res = await fetch(`${i.url}/ready`, { signal: AbortSignal.timeout(3_000) });
        const body = (await res.json()) as { checks?: { redis?: string; database?: string } };
        return { index: i.index, status: res.status, redis: body.checks?.redis, database: body.checks?.database };
      } catch {
        return { index: i.index, status: 'down' as const };
      }
    }),
  );
}

// ---- where the CPU goes --------------------------------------------------------------------------

/** Clock ticks per second of /proc's utime/stime (USER_HZ; 100 on Linux for every architecture we run on). */
const USER_HZ = 100;

type CpuGroups = Record<'servers' | 'servers_main_thread' | 'bench' | 'postgres' | 'redis' | 'other' | 'idle', number>;

/** CPU seconds used so far by each group of processes on the machine (Linux /proc; zeros elsewhere). */
function cpuSnapshot(serverPids: Set<number>): CpuGroups {
  const groups: CpuGroups = { servers: 0, servers_main_thread: 0, bench: 0, postgres: 0, redis: 0, other: 0, idle: 0 };
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return groups;
  }
  for (const entry of entries) {
    const stat = readStat(`/proc/${entry}/stat`);
    if (!stat) continue; // exited meanwhile
    const pid = Number(entry);
    const group = serverPids.has(pid) ? 'servers' : pid === process.pid ? 'bench' : stat.comm === 'postgres' ? 'postgres' : stat.comm.startsWith('redis') ? 'redis' : 'other';
    // With what its reaped children used: a PostgreSQL backend that closed is in the postmaster's.
    groups[group] += stat.seconds + stat.childSeconds;
    // A server's main thread (its event loop) has the process's id; the rest is mostly its NLU workers.
    if (group === 'servers') groups.servers_main_thread += readStat(`/proc/${pid}/task/${pid}/stat`)?.seconds ?? 0;
  }
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    groups.idle = (Number(cpu[4]) + Number(cpu[5])) / USER_HZ; // idle + iowait, all cores
  } catch {
    /* not Linux */
  }
  return groups;
}

/** A process's or thread's name and CPU seconds from its `stat` file; null once it is gone. */
function readStat(path: string): { comm: string; seconds: number; childSeconds: number } | null {
  let stat: string;
  try {
    stat = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return {
    comm: stat.slice(stat.indexOf('(') + 1, close),
    seconds: (Number(fields[11]) + Number(fields[12])) / USER_HZ, // utime, stime (fields 14, 15)
    childSeconds: (Number(fields[13]) + Number(fields[14])) / USER_HZ, // cutime, cstime (16, 17)
  };
}

/**
 * CPU used between `start()` and `stop()` by the servers, the bench process itself (clients and proxy), PostgreSQL,
 * Redis and everything else, in milliseconds per acked message and as a share of the machine. The bench's own share
 * is what a real deployment does not pay on the servers' machine; the rest is the price of a turn.
 */
export class CpuMeter {
  private before: CpuGroups | null = null;
  private ioBefore: SyscallCounts | null = null;
  private startedAt = 0;
  constructor(private readonly instances: () => Instance[]) {}

  private pids(): Set<number> {
    return new Set(this.instances().flatMap((i) => (i.child?.pid ? [i.child.pid] : [])));
  }

  start(): void {
    this.before = cpuSnapshot(this.pids());
    this.ioBefore = syscallSnapshot(this.pids());
    this.startedAt = performance.now();
  }

  stop(messages: number): Record<string, unknown> {
    const after = cpuSnapshot(this.pids());
    const io = syscallSnapshot(this.pids());
    const wallS = (performance.now() - this.startedAt) / 1000;
    const cores = availableParallelism();
    const perMsg: Record<string, number> = {};
    const share: Record<string, number> = {};
    for (const key of Object.keys(after) as Array<keyof CpuGroups>) {
      const used = after[key] - (this.before?.[key] ?? 0);
      if (key !== 'idle') perMsg[key] = r2((used * 1000) / Math.max(1, messages));
      share[key] = r2((used / (wallS * cores)) * 100);
    }
    // Each write or read is a system call, and on a virtual machine every one that wakes the other side is dear.
    const perMsgIo = (key: keyof SyscallCounts) => r2((io[key] - (this.ioBefore?.[key] ?? 0)) / Math.max(1, messages));
    const serverSyscalls = { writes: perMsgIo('writes'), reads: perMsgIo('reads') };
    return { cores, wall_s: r2(wallS), cpu_ms_per_msg: perMsg, machine_share_pct: share, server_syscalls_per_msg: serverSyscalls };
  }
}

interface SyscallCounts {
  writes: number;
  reads: number;
}

/** Write and read system calls made so far by the server processes (/proc/<pid>/io; zeros elsewhere). */
function syscallSnapshot(serverPids: Set<number>): SyscallCounts {
  const counts: SyscallCounts = { writes: 0, reads: 0 };
  for (const pid of serverPids) {
    try {
      const io = readFileSync(`/proc/${pid}/io`, 'utf8');
      counts.writes += Number(/^syscw: (\d+)$/m.exec(io)?.[1] ?? 0);
      counts.reads += Number(/^syscr: (\d+)$/m.exec(io)?.[1] ?? 0);
    } catch {
      /* exited, or not Linux */
    }
  }
  return counts;
}

// ---- the load balancer ---------------------------------------------------------------------------

/**
 * A round-robin TCP proxy in front of the instances (what a load balancer does for websockets): a connection the
 * chosen backend refuses goes to the next one, so clients of a killed instance land on a live one when they
 * reconnect. Each client keeps its connection, so no sticky sessions are needed with the websocket transport.
 */
export class RoundRobinProxy {
  private server: NetServer | null = null;
  private next = 0;
  private readonly open = new Set<NetSocket>();

  constructor(private readonly backends: () => number[]) {}

  async listen(): Promise<number> {
    this.server = createServer((client) => this.route(client, 0));
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    return (this.server!.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const s of this.open) s.destroy();
    await new Promise((r) => this.server?.close(r));
  }

  private route(client: NetSocket, attempt: number): void {
    const ports = this.backends();
    if (ports.length === 0 || attempt >= ports.length) {
      client.destroy();
      return;
    }
    client.pause();
    const port = ports[this.next++ % ports.length];
    const upstream = netConnect(port, '127.0.0.1');
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      this.open.add(upstream);
      this.open.add(client);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      if (!connected) this.route(client, attempt + 1);
      else client.destroy();
    });
    upstream.once('close', () => {
      this.open.delete(upstream);
      if (connected) client.destroy();
    });
    client.on('error', () => upstream.destroy());
    client.once('close', () => {
      this.open.delete(client);
      upstream.destroy();
    });
  }
}

// ---- clients ---------------------------------------------------------------------------------------

export interface Stats {
  sent: number;
  acked: number;
  replies: number;
  duplicateDeliveries: number;
  errors: Record<string, number>;
  /** [time since start (ms), reply latency (ms)] of replies received live, from the message's first send attempt. */
  latencies: Array<[number, number]>;
  /** The same, from the send that was accepted (after any BUSY refusals): the latency the server promises. */
  acceptedLatencies: Array<[number, number]>;
  /** Sends refused with BUSY (admission control): nothing stored, resent after retryAfterMs; not errors. */
  refusedBusy: number;
  /** [time since start (ms), the reply's modelVersion] of replies received live. */
  modelVersions: Array<[number, string | null]>;
  /** [ms since the bench started when acked, ms from the accepted send to its ack]. */
  ackLatencies: Array<[number, number]>;
  /** [time since start (ms), error code]. */
  errorLog: Array<[number, string]>;
  disconnects: Array<{ at: number; resumedAt: number | null }>;
}

export function newStats(): Stats {
  return { sent: 0, acked: 0, replies: 0, duplicateDeliveries: 0, errors: {}, latencies: [], acceptedLatencies: [], refusedBusy: 0, modelVersions: [], ackLatencies: [], errorLog: [], disconnects: [] };
}

interface Outgoing {
  clientMessageId: string;
  text: string;
  firstSentAt: number;
}

/**
 * One customer: sends a message every `paceMs` (±50 %) once the previous one was acked, resends an unacked one
 * with the same clientMessageId, and after a disconnect reconnects through the proxy and resumes with `lastSeq`.
 */
export class LoadClient {
  conversationId: string | null = null;
  private token: string | undefined;
  private lastSeq = 0;
  private socket: WidgetSocket | null = null;
  private ready = false;
  private outgoing: Outgoing | null = null;
  private stopped = false;
  private disconnectedAt: number | null = null;
  private endAt = Number.POSITIVE_INFINITY;
  readonly acked = new Map<string, string>(); // clientMessageId → messageId
  private readonly awaiting = new Map<string, { first: number; accepted: number }>(); // messageId → first / accepted send
  private readonly earlyReplies = new Map<string, number>(); // replyTo seen before its ack → when
  private readonly seenReplies = new Set<string>();
  readonly repliedTo = new Set<string>();
  private i: number;

  constructor(
    private readonly url: string,
    readonly index: number,
    private readonly paceMs: number,
    private readonly stats: Stats,
    private readonly t0: number,
  ) {
    this.i = index;
  }

  async connect(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.open();
        return;
      } catch (error) {
        this.error((error as Error).message || 'CONNECT_FAILED');
        await sleep(Math.min(2_000, 200 * (attempt + 1)) * (0.5 + Math.random()));
      }
    }
  }

  /** Sends until `endAt` (performance.now()). */
  async run(endAt: number): Promise<void> {
    this.endAt = endAt;
    await sleep(Math.random() * this.paceMs);
    while (!this.stopped && performance.now() < endAt) {
      if (this.ready) await this.sendOne();
      await sleep(this.paceMs * (0.5 + Math.random()));
    }
  }

  /** Stops sending; keeps the socket for late replies. */
  stop(): void {
    this.stopped = true;
  }

  close(): void {
    this.stopped = true;
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
  }

  /** Acked messages whose reply this client has not seen (live or in a resume). */
  get unanswered(): number {
    let n = 0;
    for (const id of this.acked.values()) if (!this.repliedTo.has(id)) n++;
    return n;
  }

  /** Resumes once more to pick up replies that were sent while it was not connected. */
  async sync(): Promise<void> {
    if (!this.socket?.connected || !this.token) return;
    const ack = (await this.socket.timeout(15_000).emitWithAck('conversation:start', { token: this.token, lastSeq: this.lastSeq }).catch(() => null)) as Ack<StartConversationResult> | null;
    if (ack?.ok) this.absorb(ack.data.messages);
  }

  private async open(): Promise<void> {
    const socket: WidgetSocket = io(`${this.url}/widget`, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: 10_000 });
    await new Promise<void>((ok, fail) => {
      socket.once('connect', () => ok());
      socket.once('connect_error', (e) => fail(new Error(`CONNECT_ERROR`, { cause: e })));
    });
    socket.on('bot:reply', (r) => this.onReply(r));
    socket.on('disconnect', () => this.onDisconnect());
    const payload = this.token ? { token: this.token, lastSeq: this.lastSeq } : {};
    const ack = (await socket.timeout(15_000).emitWithAck('conversation:start', payload)) as Ack<StartConversationResult>;
    if (!ack.ok) {
      socket.disconnect();
      throw new Error(ack.error.code);
    }
    this.socket = socket;
    this.token ??= ack.data.token;
    this.conversationId = ack.data.conversationId;
    this.absorb(ack.data.messages);
    this.ready = true;
    if (this.disconnectedAt !== null) {
      const entry = this.stats.disconnects.find((d) => d.at === this.disconnectedAt && d.resumedAt === null);
      if (entry) entry.resumedAt = performance.now() - this.t0;
      this.disconnectedAt = null;
    }
  }

  private absorb(messages: MessageView[]): void {
    for (const m of messages) {
      this.lastSeq = Math.max(this.lastSeq, m.seq);
      if (m.author === 'bot' && m.replyTo) this.noteReply(m.messageId, m.replyTo, false);
    }
  }

  private onReply(r: BotReply): void {
    this.lastSeq = Math.max(this.lastSeq, r.seq);
    this.stats.modelVersions.push([performance.now() - this.t0, r.modelVersion ?? null]);
    this.noteReply(r.messageId, r.replyTo, true);
  }

  private noteReply(messageId: string, replyTo: string, live: boolean): void {
    if (this.seenReplies.has(messageId)) {
      if (live) this.stats.duplicateDeliveries++;
      return;
    }
    this.seenReplies.add(messageId);
    this.repliedTo.add(replyTo);
    this.stats.replies++;
    const sent = this.awaiting.get(replyTo);
    if (sent !== undefined) {
      this.awaiting.delete(replyTo);
      if (live) this.recordLatency(sent, performance.now());
    } else if (live) {
      this.earlyReplies.set(replyTo, performance.now());
    }
  }

  private onDisconnect(): void {
    if (this.stopped) return;
    this.ready = false;
    this.socket?.removeAllListeners();
    this.socket = null;
    this.disconnectedAt = performance.now() - this.t0;
    this.stats.disconnects.push({ at: this.disconnectedAt, resumedAt: null });
    // Fail over: reconnect through the proxy (it skips an instance that refuses connections).
    setTimeout(() => void this.connect(), 100 + Math.random() * 400);
  }

  private recordLatency(sent: { first: number; accepted: number }, repliedAt: number): void {
    const at = repliedAt - this.t0;
    // From the first attempt: a resend after a failure or a BUSY refusal counts the whole wait.
    this.stats.latencies.push([at, repliedAt - sent.first]);
    this.stats.acceptedLatencies.push([at, repliedAt - sent.accepted]);
  }

  /** Sends the current message; on BUSY (nothing stored) resends it after the server's retryAfterMs, jittered. */
  private async sendOne(): Promise<void> {
    this.outgoing ??= { clientMessageId: randomUUID(), text: MIX[this.i++ % MIX.length], firstSentAt: performance.now() };
    const out = this.outgoing;
    for (;;) {
      const socket = this.socket;
      if (!socket || !this.ready) return;
      const sentAt = performance.now();
      this.stats.sent++;
      try {
        const ack = (await socket.timeout(10_000).emitWithAck('message:send', { clientMessageId: out.clientMessageId, text: out.text })) as Ack<SendMessageResult>;
        if (!ack.ok && ack.error.code === 'BUSY') {
          this.stats.refusedBusy++;
          // Sending time is over: the message was never stored, so it is simply not sent (not lost).
          if (this.stopped || performance.now() >= this.endAt) return;
          await busyWait(ack.error);
          continue;
        }
        if (!ack.ok) return this.error(ack.error.code);
        const ackedAt = performance.now();
        this.stats.ackLatencies.push([ackedAt - this.t0, ackedAt - sentAt]);
        this.outgoing = null;
        if (this.acked.has(out.clientMessageId)) return;
        this.acked.set(out.clientMessageId, ack.data.messageId);
        this.stats.acked++;
        const sent = { first: out.firstSentAt, accepted: sentAt };
        const early = this.earlyReplies.get(ack.data.messageId);
        if (early !== undefined) {
          this.earlyReplies.delete(ack.data.messageId);
          this.recordLatency(sent, early);
        } else if (!this.repliedTo.has(ack.data.messageId)) this.awaiting.set(ack.data.messageId, sent);
        return;
      } catch (error) {
        // No ack (timeout, disconnected): the same clientMessageId goes again; the server stores it once.
        return this.error((error as Error).message.includes('timed out') ? 'ACK_TIMEOUT' : 'SEND_FAILED');
      }
    }
  }

  private error(code: string): void {
    this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1;
    this.stats.errorLog.push([performance.now() - this.t0, code]);
  }
}

/** Connects `n` clients, 25 at a time. */
export async function connectClients(url: string, n: number, paceMs: number, stats: Stats, t0: number): Promise<LoadClient[]> {
  const clients = Array.from({ length: n }, (_, i) => new LoadClient(url, i, paceMs, stats, t0));
  for (let i = 0; i < n; i += 25) await Promise.all(clients.slice(i, i + 25).map((c) => c.connect()));
  return clients;
}

/**
 * After sending stopped: waits (up to `graceMs`, the servers still running) for the replies still owed, then lets
 * every client resume once. Returns how long the backlog took to drain (s) and how many replies were still owed.
 */
export async function settle(clients: LoadClient[], graceMs: number): Promise<{ drain_s: number; owed_after_grace: number }> {
  const started = performance.now();
  const until = started + graceMs;
  const owed = () => clients.reduce((n, c) => n + c.unanswered, 0);
  while (performance.now() < until && owed() > 0) await sleep(250);
  const drain = { drain_s: r2((performance.now() - started) / 1000), owed_after_grace: owed() };
  for (let i = 0; i < clients.length; i += 50) await Promise.all(clients.slice(i, i + 50).map((c) => c.sync()));
  return drain;
}

// ---- the count ---------------------------------------------------------------------------------------

export interface Audit {
  acked: number;
  lost: number;
  duplicated: number;
  stored_unacked: number;
  undelivered: number;
}

/**
 * Every message a client got an ack for must be in the database exactly once and have exactly one bot reply;
 * `undelivered`: replies in the database that their client never received (live or by resuming).
 */
export async function audit(databaseUrl: string, clients: LoadClient[]): Promise<Audit> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const ids = clients.map((c) => c.conversationId).filter((id): id is string => id !== null);
    const { rows } = await db.query<{ id: string; client_message_id: string; n_same: number; replies: number }>(
      `SELECT m."id", m."client_message_id",
              count(*) OVER (PARTITION BY m."conversation_id", m."client_message_id")::int AS "n_same",
              (SELECT count(*) FROM "message" r WHERE r."reply_to_id" = m."id" AND r."author" = 'bot')::int AS "replies"
         FROM "message" m WHERE m."conversation_id" = ANY($1) AND m."author" = 'customer'`,
      [ids],
    );
    const byClientId = new Map(rows.map((r) => [r.client_message_id, r]));
    let lost = 0;
    let duplicated = 0;
    let acked = 0;
    let undelivered = 0;
    for (const c of clients) {
      for (const [clientMessageId, messageId] of c.acked) {
        acked++;
        const row = byClientId.get(clientMessageId);
        if (!row || row.replies === 0) lost++;
        if (row && row.id === messageId && row.replies > 0 && !c.repliedTo.has(messageId)) undelivered++;
      }
    }
    for (const r of rows) if (r.n_same > 1 || r.replies > 1) duplicated++;
    const ackedIds = new Set(clients.flatMap((c) => [...c.acked.keys()]));
    const storedUnacked = rows.filter((r) => !ackedIds.has(r.client_message_id)).length;
    return { acked, lost, duplicated, stored_unacked: storedUnacked, undelivered };
  } finally {
    await db.end();
  }
}

/** Reply p50/p99 of each `windowS`-second window from `from` (ms since t0): whether the tail is a warm-up or holds. */
export function latencyByWindow(stats: Stats, from: number, windowS = 30): Array<{ from_s: number; n: number; p50_ms: number; p99_ms: number }> {
  const windows: number[][] = [];
  for (const [at, l] of stats.latencies) {
    if (at < from) continue;
    (windows[Math.floor((at - from) / (windowS * 1000))] ??= []).push(l);
  }
  return [...windows.entries()].map(([i, ms = []]) => {
    const sorted = [...ms].sort((a, b) => a - b);
    return { from_s: i * windowS, n: sorted.length, p50_ms: r2(pct(sorted, 50)), p99_ms: r2(pct(sorted, 99)) };
  });
}

export function latencySummary(
  stats: Stats,
  from = 0,
  to = Infinity,
  which: 'latencies' | 'acceptedLatencies' = 'latencies',
): { n: number; p50_ms: number; p90_ms: number; p99_ms: number; max_ms: number } {
  const ms = stats[which].filter(([at]) => at >= from && at < to).map(([, l]) => l).sort((a, b) => a - b);
  return { n: ms.length, p50_ms: r2(pct(ms, 50)), p90_ms: r2(pct(ms, 90)), p99_ms: r2(pct(ms, 99)), max_ms: r2(ms[ms.length - 1] ?? NaN) };
}

/**
 * NLU threads of each of `instances` servers that share this machine: NLU_WORKERS / NLU_THREADS from the environment
 * when set, else the cores split between the instances (one single-thread worker each on 2 cores). Each server's own
 * default (2 workers) assumes it has the machine to itself; two of them on 2 cores run 4 inference threads beside
 * their event loops, PostgreSQL, Redis and the clients (bench:load at 1,000 clients, same hour: reply p99 1,545 ms
 * with 2 workers per instance, 813 ms with 1).
 */
export function nluPerInstance(instances: number): { NLU_WORKERS: string; NLU_THREADS: string } {
  return {
    NLU_WORKERS: process.env.NLU_WORKERS || String(Math.max(1, Math.floor(availableParallelism() / instances))),
    NLU_THREADS: process.env.NLU_THREADS || '1',
  };
}

export function machine(loadBefore: number[]): Record<string, unknown> {
  return {
    cpus: availableParallelism(),
    cpu_model: cpus()[0]?.model ?? null,
    load_avg_before: loadBefore.map(r2),
    load_avg_after: loadavg().map(r2),
    node: process.version,
  };
}

export function writeResult(path: string, result: unknown): void {
  const out = resolve(path);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${path}`);
}

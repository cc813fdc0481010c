/**
 * Fault bench (issue #6): the load of bench:load (two instances behind a round-robin TCP proxy, widget clients
 * that resend what was not acked and resume after a disconnect) while, one after the other:
 *   1. one instance is killed with SIGKILL (its clients reconnect through the proxy to the other), then restarted;
 *   2. PostgreSQL is restarted (`--pg-restart`, a shell command);
 *   3. Redis is stopped for `--redis-down` seconds (`SHUTDOWN NOSAVE`) and started again with the same flags;
 *   4. a corrupt model is promoted: a copy of `--model` with bytes flipped in its ONNX file (so it no longer matches
 *      its manifest's sha256), registered as a candidate (the row a training job writes) and promoted through the
 *      admin API with `force`; then, as if the registry's check had been skipped (or the folder broke after it),
 *      marked active in the database and announced on `parley_model`, so every instance is told to switch to it.
 * Per fault: errors seen by clients, reply latency in its window, time to recover. At the end every acked message
 * must be stored once and answered once (`lost`, `duplicated`). Writes bench/results/faults.json.
 *
 *   npm run bench:faults [-- --clients 200 --phase 30 --pace 3 --db-url postgres://… --pg-restart "pg_ctlcluster 15 main restart"
 *                            --faults kill,pg,redis,model]
 *
 * The bench runs its own redis-server on `--redis-port` (it stops and starts it); PostgreSQL is the one at
 * `--db-url`, restarted with `--pg-restart`. Point both at servers nothing else uses: the faults are real.
 */
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, cpSync, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { hashPassword } from '@app/auth';
import {
  audit,
  connectClients,
  Instance,
  latencySummary,
  LoadClient,
  machine,
  nluPerInstance,
  newStats,
  r2,
  readiness,
  RoundRobinProxy,
  settle,
  sleep,
  startInstance,
  Stats,
  stopInstance,
  writeResult,
} from './load-harness';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '200' },
    phase: { type: 'string', default: '30' },
    pace: { type: 'string', default: '3' },
    'base-port': { type: 'string', default: '3620' },
    'db-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://parley:parley@127.0.0.1:5432/parley_test' },
    'pg-restart': { type: 'string', default: 'pg_ctlcluster 15 main restart' },
    'redis-port': { type: 'string', default: '6391' },
    // Longer than ioredis' 20 reconnect attempts (about 21 s at the link's backoff): the point where a command
    // still queued is given up, which a shorter outage never reaches.
    'redis-down': { type: 'string', default: '30' },
    model: { type: 'string', default: process.env.PARLEY_MODEL_DIR ?? 'models/default' },
    out: { type: 'string', default: 'bench/results/faults.json' },
    // Which faults to inject, comma-separated (a machine shared with others may not allow restarting PostgreSQL).
    faults: { type: 'string', default: 'kill,pg,redis,model' },
  },
});

const PHASE_MS = Number(values.phase) * 1000;
const PACE_MS = Number(values.pace) * 1000;
const FAULTS = new Set(values.faults!.split(',').map((f) => f.trim()));
const REDIS_FLAGS = ['--bind', '127.0.0.1', '--port', values['redis-port']!, '--save', '', '--appendonly', 'no'];

interface FaultResult {
  fault: string;
  at_s: number;
  errors: number;
  error_codes: Record<string, number>;
  recovery_s: number | null | 'not affected';
  replies_in_window: number;
  p50_ms: number;
  p99_ms: number;
  detail: Record<string, unknown>;
}

function startRedis(): ChildProcess {
  const child = spawn('redis-server', REDIS_FLAGS, { stdio: 'ignore' });
  return child;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<number | null> {
  const t = performance.now();
  while (performance.now() - t < timeoutMs) {
    if (await check()) return performance.now();
    await sleep(100);
  }
  return null;
}

function window(stats: Stats, from: number, to: number): Pick<FaultResult, 'errors' | 'error_codes' | 'replies_in_window' | 'p50_ms' | 'p99_ms'> {
  const codes: Record<string, number> = {};
  for (const [at, code] of stats.errorLog) if (at >= from && at < to) codes[code] = (codes[code] ?? 0) + 1;
  const lat = latencySummary(stats, from, to);
  return { errors: Object.values(codes).reduce((a, b) => a + b, 0), error_codes: codes, replies_in_window: lat.n, p50_ms: lat.p50_ms, p99_ms: lat.p99_ms };
}

/** Time of the last client error in [from, to), relative to `from`, in seconds (0 when none). */
function lastErrorAfter(stats: Stats, from: number, to: number): number {
  const last = stats.errorLog.filter(([at]) => at >= from && at < to).map(([at]) => at);
  return last.length ? (Math.max(...last) - from) / 1000 : 0;
}

/** Client errors in [from, to) per whole second after `from` (`{"12": 40}`: 40 errors 12–13 s in), for when they came. */
function errorsBySecond(stats: Stats, from: number, to: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [at] of stats.errorLog) {
    if (at < from || at >= to) continue;
    const second = Math.floor((at - from) / 1000);
    out[second] = (out[second] ?? 0) + 1;
  }
  return out;
}

/** A copy of `modelDir` under a new version whose ONNX file no longer matches the manifest's sha256. */
function corruptCopy(modelDir: string): { dir: string; version: string; file: string; manifest: Record<string, unknown> } {
  const dir = mkdtempSync(join(tmpdir(), 'parley-corrupt-model-'));
  cpSync(resolve(modelDir), dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  const version = `corrupt-${Date.now()}`;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, version }, null, 2));
  const file = existsSync(join(dir, 'model.int8.onnx')) ? 'model.int8.onnx' : 'model.onnx';
  const fd = openSync(join(dir, file), 'r+');
  try {
    const at = Math.floor(fstatSync(fd).size / 2);
    const bytes = Buffer.alloc(64);
    readSync(fd, bytes, 0, bytes.length, at);
    for (let i = 0; i < bytes.length; i++) bytes[i] ^= 0xff;
    writeSync(fd, bytes, 0, bytes.length, at);
  } finally {
    closeSync(fd);
  }
  return { dir, version, file, manifest: { ...manifest, version } };
}

/** An admin account for this bench (created or reset in the database) and its bearer token. */
async function benchAdmin(db: Client, url: string): Promise<string> {
  const email = 'bench-faults-admin@parley.bench';
  const password = randomBytes(18).toString('base64url');
  await db.query(
    `INSERT INTO "app_user" ("email", "name", "role", "password_hash") VALUES ($1, 'bench:faults', 'admin', $2)
     ON CONFLICT ("email") DO UPDATE SET "password_hash" = EXCLUDED."password_hash", "role" = 'admin', "disabled" = false`,
    [email, await hashPassword(password)],
  );
  const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (res.status !== 200) throw new Error(`bench admin login refused: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** The model version each instance runs (GET /ready). */
async function runningVersions(instances: Instance[]): Promise<Array<string | null>> {
  return Promise.all(
    instances.map(async (i) => {
      try {
        const body = (await (await fetch(`${i.url}/ready`, { signal: AbortSignal.timeout(3_000) })).json()) as { model?: { version?: string } | null };
        return body.model?.version ?? null;
      } catch {
        return null;
      }
    }),
  );
}

/** Swaps the registry's active version in one transaction and tells every instance (what a promotion does). */
async function markActive(db: Client, activeId: string, retire: { id: string; status: 'retired' | 'failed' }): Promise<void> {
  await db.query('BEGIN');
  try {
    await db.query(`UPDATE "model_version" SET "status" = $2 WHERE "id" = $1`, [retire.id, retire.status]);
    await db.query(`UPDATE "model_version" SET "status" = 'active' WHERE "id" = $1`, [activeId]);
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK');
    throw error;
  }
  await db.query(`SELECT pg_notify('parley_model', $1)`, [JSON.stringify({ id: activeId, status: 'active' })]);
}

/** The fields of a pino line that say what an instance did about a model. */
function summariseEvent(line: string): Record<string, unknown> {
  try {
    const e = JSON.parse(line) as Record<string, unknown>;
    return { event: e.event, trigger: e.trigger, version: e.version, code: e.code, keeping: e.keeping };
  } catch {
    return { line: line.slice(0, 200) };
  }
}

function versionsIn(stats: Stats, from: number, to: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [at, v] of stats.modelVersions) if (at >= from && at < to) counts[v ?? 'null'] = (counts[v ?? 'null'] ?? 0) + 1;
  return counts;
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const redisUrl = `redis://127.0.0.1:${values['redis-port']}/0`;
  let redis = startRedis();
  await sleep(500);
  const nlu = nluPerInstance(2);
  const env = { databaseUrl: values['db-url']!, redisUrl, model: values.model!, extra: nlu };
  const instances: Instance[] = [];
  // Every exit of a server process (performance.now()); a fault window with one it did not cause is a crash.
  const exits: Array<{ index: number; at: number; code: number | null; signal: string | null }> = [];
  const start = async (index: number, port: number): Promise<Instance> => {
    const instance = await startInstance(index, port, env);
    instance.child?.once('exit', (code, signal) => exits.push({ index, at: performance.now(), code, signal }));
    return instance;
  };
  for (let i = 0; i < 2; i++) instances.push(await start(i, Number(values['base-port']) + i));
  const alive = new Set(instances.map((i) => i.index));
  const proxy = new RoundRobinProxy(() => instances.filter((i) => alive.has(i.index)).map((i) => i.port));
  const url = `http://127.0.0.1:${await proxy.listen()}`;
  const stats = newStats();
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const faults: FaultResult[] = [];
  let clients: LoadClient[] = [];
  const late: Array<Promise<void>> = [];
  try {
    clients = await connectClients(url, Number(values.clients), PACE_MS, stats, t0);
    const sending = Promise.all(clients.map((c) => c.run(Number.POSITIVE_INFINITY)));
    await sleep(PHASE_MS / 2);
    const baseline = { ...window(stats, 0, now()), at_s: 0 };
    console.log('baseline', baseline);

    // 1. kill -9 one instance; its clients fail over through the proxy; then it comes back.
    if (FAULTS.has('kill')) {
      const at = now();
      instances[0].child!.kill('SIGKILL');
      alive.delete(0);
      await new Promise((r) => instances[0].child!.once('exit', r));
      const hit = () => stats.disconnects.filter((d) => d.at >= at && d.at < at + 5_000);
      await waitFor(async () => hit().length > 0 && hit().every((d) => d.resumedAt !== null), 60_000);
      const affected = hit();
      const resumed = affected.filter((d) => d.resumedAt !== null).map((d) => d.resumedAt! - at);
      const recovery = resumed.length === affected.length && affected.length > 0 ? Math.max(...resumed) / 1000 : null;
      await sleep(Math.max(0, PHASE_MS / 2 - (now() - at)));
      const restartAt = now();
      instances[0] = await start(0, instances[0].port);
      alive.add(0);
      const restartS = (now() - restartAt) / 1000;
      await sleep(PHASE_MS / 2);
      faults.push({
        fault: 'kill -9 one of two instances',
        at_s: r2(at / 1000),
        ...window(stats, at, now()),
        recovery_s: recovery === null ? null : r2(recovery),
        detail: { clients_disconnected: affected.length, clients_resumed: resumed.length, restart_s: r2(restartS), recovery: 'until every client of the killed instance resumed on the other' },
      });
      console.log(faults[faults.length - 1]);
    }

    // 2. PostgreSQL restart.
    if (FAULTS.has('pg')) {
      const at = now();
      const began = performance.now();
      // Not execSync: that would freeze this process, clients and proxy included, for the whole restart, so the
      // servers would see no traffic while PostgreSQL is away (and the clients a burst of stale timeouts after).
      await new Promise<void>((ok, fail) => {
        const child = spawn('bash', ['-c', values['pg-restart']!], { stdio: 'inherit' });
        child.once('error', fail);
        child.once('exit', (code) => (code === 0 ? ok() : fail(new Error(`--pg-restart exited with ${code}`))));
      });
      const commandS = (performance.now() - began) / 1000;
      const readyAt = await waitFor(async () => (await readiness(instances)).every((r) => r.status === 200), 60_000);
      await sleep(PHASE_MS);
      const readyS = readyAt === null ? null : (readyAt - t0 - at) / 1000;
      const lastError = lastErrorAfter(stats, at, now());
      faults.push({
        fault: 'PostgreSQL restart',
        at_s: r2(at / 1000),
        ...window(stats, at, now()),
        recovery_s: readyS === null ? null : r2(Math.max(readyS, lastError)),
        detail: {
          restart_command_s: r2(commandS),
          ready_again_s: readyS === null ? null : r2(readyS),
          last_client_error_s: r2(lastError),
          client_errors_by_second: errorsBySecond(stats, at, now()),
          recovery: 'until every instance is ready and no client error follows',
        },
      });
      console.log(faults[faults.length - 1]);
    }

    // 3. Redis away for a while.
    if (FAULTS.has('redis')) {
      const at = now();
      execSync(`redis-cli -p ${values['redis-port']} shutdown nosave`, { stdio: 'ignore' });
      const sawDown = await waitFor(async () => (await readiness(instances)).some((r) => r.redis === 'down'), 10_000);
      // New customers arrive during the outage: their conversation rooms are subscribed while Redis is away, and
      // must hear the other instance once it is back (the audit counts their messages like everyone else's).
      const arrivals = Array.from({ length: Math.max(10, Math.round(clients.length / 10)) }, (_, k) => new LoadClient(url, clients.length + k, PACE_MS, stats, t0));
      await Promise.all(arrivals.map((c) => c.connect()));
      clients.push(...arrivals);
      late.push(...arrivals.map((c) => c.run(Number.POSITIVE_INFINITY)));
      await sleep(Number(values['redis-down']) * 1000 - (now() - at));
      const startAt = now();
      redis = startRedis();
      const upAt = await waitFor(async () => (await readiness(instances)).every((r) => r.redis === 'up'), 60_000);
      await sleep(PHASE_MS / 2);
      faults.push({
        fault: `Redis stopped for ${values['redis-down']} s`,
        at_s: r2(at / 1000),
        ...window(stats, at, now()),
        recovery_s: upAt === null ? null : r2((upAt - t0 - startAt) / 1000),
        detail: {
          customers_arrived_meanwhile: arrivals.length,
          instances_exited: exits.filter((e) => e.at - t0 >= at).length,
          readiness_reported_down: sawDown !== null,
          down_s: r2((startAt - at) / 1000),
          recovery: 'from starting Redis again until every instance reports redis up (its clients were served throughout)',
        },
      });
      console.log(faults[faults.length - 1]);
    }

    // 4. A corrupt model promoted: the admin API must refuse it; told to switch anyway, every instance keeps its model.
    if (FAULTS.has('model')) {
      const at = now();
      const corrupt = corruptCopy(values.model!);
      const db = new Client({ connectionString: env.databaseUrl });
      await db.connect();
      try {
        const before = await runningVersions(instances);
        const token = await benchAdmin(db, instances[0].url);
        const inserted = await db.query<{ id: string }>(
          `INSERT INTO "model_version" ("version", "name", "dir", "manifest", "status") VALUES ($1, $2, $3, $4, 'candidate') RETURNING "id"`,
          [corrupt.version, String(corrupt.manifest.name ?? 'default'), corrupt.dir, JSON.stringify(corrupt.manifest)],
        );
        const candidateId = inserted.rows[0].id;
        const began = performance.now();
        const res = await fetch(`${instances[1].url}/api/models/${candidateId}/promote`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ force: true, reason: 'bench:faults corrupt model' }),
        });
        const body = (await res.json()) as { code?: string; message?: string };
        const promote = { http_status: res.status, code: body.code ?? null, message: body.message ?? null, answered_ms: r2(performance.now() - began) };
        const statusAfter = (await db.query<{ status: string }>(`SELECT "status" FROM "model_version" WHERE "id" = $1`, [candidateId])).rows[0].status;
        const afterPromote = await runningVersions(instances);
        console.log('corrupt model promote:', promote, 'registry status', statusAfter, 'running', afterPromote);
        // Bypass the check: the registry now says the corrupt version is active and every instance is notified.
        const previous = (await db.query<{ id: string }>(`SELECT "id" FROM "model_version" WHERE "status" = 'active'`)).rows[0]?.id;
        let whileMarked: Array<string | null> = [];
        let switchLog: Array<Array<Record<string, unknown>>> = [];
        if (previous) {
          await markActive(db, candidateId, { id: previous, status: 'retired' });
          await sleep(PHASE_MS / 2);
          whileMarked = await runningVersions(instances);
          switchLog = instances.map((i) => i.modelEvents.filter((l) => l.includes(corrupt.version)).map(summariseEvent));
          await markActive(db, previous, { id: candidateId, status: 'failed' });
        }
        await sleep(PHASE_MS / 2);
        const after = await runningVersions(instances);
        const replies = versionsIn(stats, at, now());
        faults.push({
          fault: 'promote a corrupt model',
          at_s: r2(at / 1000),
          ...window(stats, at, now()),
          recovery_s: 'not affected',
          detail: {
            corrupted: `${corrupt.file}: 64 bytes flipped (sha256 no longer matches manifest.json)`,
            promote,
            registry_status_after_promote: statusAfter,
            running_before: before,
            running_after_promote: afterPromote,
            running_while_marked_active: whileMarked,
            switch_log_while_marked_active: switchLog,
            running_after: after,
            reply_model_versions: replies,
            corrupt_version_answered: replies[corrupt.version] ?? 0,
            recovery:
              'not affected: the promote is refused (422 MODEL_INVALID, nothing switched); with the registry forced to name it active and every instance notified, each refuses to load it (model.switch_failed in its log) and keeps answering with the running model',
          },
        });
        console.log(faults[faults.length - 1]);
      } finally {
        await db.end();
        rmSync(corrupt.dir, { recursive: true, force: true });
      }
    }

    for (const c of clients) c.stop();
    await sending;
    await Promise.all(late);
    const drained = await settle(clients, 120_000);
    const counted = await audit(env.databaseUrl, clients);
    const all = latencySummary(stats);
    const result = {
      bench: 'faults',
      date: new Date().toISOString(),
      instances: 2,
      nlu_per_instance: { workers: Number(nlu.NLU_WORKERS), threads: Number(nlu.NLU_THREADS) },
      clients: clients.length,
      pace_s: Number(values.pace),
      phase_s: Number(values.phase),
      faults_injected: [...FAULTS],
      messages_acked: counted.acked,
      lost: counted.lost,
      duplicated: counted.duplicated,
      backlog_drain_s: drained.drain_s,
      errors: Object.values(stats.errors).reduce((a, b) => a + b, 0),
      refused_busy: stats.refusedBusy,
      error_codes: stats.errors,
      p50_ms: all.p50_ms,
      p99_ms: all.p99_ms,
      duplicate_deliveries: stats.duplicateDeliveries,
      undelivered: counted.undelivered,
      stored_unacked: counted.stored_unacked,
      baseline,
      faults,
      machine: machine(loadBefore),
      notes: 'servers, clients, PostgreSQL and Redis share the machine; lost/duplicated counted over the whole run against the database',
    };
    console.table(faults.map((f) => ({ fault: f.fault, errors: f.errors, recovery_s: f.recovery_s, p99_ms: f.p99_ms })));
    console.log(`lost ${counted.lost}, duplicated ${counted.duplicated}, acked ${counted.acked}`);
    writeResult(values.out!, result);
  } finally {
    for (const c of clients) c.close();
    await proxy.close();
    for (const i of instances) await stopInstance(i);
    try {
      execSync(`redis-cli -p ${values['redis-port']} shutdown nosave`, { stdio: 'ignore' });
    } catch {
      redis.kill('SIGKILL');
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

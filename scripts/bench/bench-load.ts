/**
 * Load bench (issue #6): two server instances (child processes) on one PostgreSQL and one Redis behind a
 * round-robin TCP proxy, N widget clients each sending a support message every few seconds for a bounded time.
 * Prints reply latency p50/p99, msgs/s and errors, then counts against the database: every message a client got
 * an ack for is stored exactly once and answered exactly once (`lost`, `duplicated`). Writes bench/results/load.json.
 *
 *   npm run bench:load [-- --clients 1000 --seconds 300 --pace 4 --instances 2 --grace 180 --warmup-s 30
 *                          --db-url postgres://… --redis-url redis://127.0.0.1:6379/4]
 *
 * Offered more than they can answer in time, the servers refuse sends with BUSY (admission control, CHAT_MAX_BACKLOG /
 * CHAT_MAX_QUEUE_AGE_MS, passed through with `--max-backlog` / `--max-queue-age-ms`); clients resend after retryAfterMs.
 * After sending stops, the servers get up to `--grace` seconds to answer what they acked (`backlog_drain_s`);
 * `lost` counts acked messages still unanswered after that (or never stored).
 *
 * Also reported: reply p50/p99 per `--window-s` window (default 30) and the CPU used while sending, in ms per acked
 * message by process group (servers and their main threads, this bench, PostgreSQL, Redis; Linux /proc).
 * BENCH_SERVER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) is passed to the server processes.
 *
 * The database must exist (it is migrated by the first instance); the bench's conversations stay in it.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  audit,
  connectClients,
  CpuMeter,
  Instance,
  latencyByWindow,
  latencySummary,
  machine,
  nluPerInstance,
  newStats,
  r2,
  readiness,
  RoundRobinProxy,
  settle,
  sleep,
  startInstance,
  stopInstance,
  writeResult,
} from './load-harness';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '300' },
    pace: { type: 'string', default: '4' },
    instances: { type: 'string', default: '2' },
    'base-port': { type: 'string', default: '3610' },
    'db-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://parley:parley@127.0.0.1:5432/parley_test' },
    'redis-url': { type: 'string', default: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0' },
    model: { type: 'string', default: process.env.PARLEY_MODEL_DIR ?? 'models/default' },
    grace: { type: 'string', default: '180' },
    // Reply latency is also reported per window of this many seconds (a warm-up tail, or one that holds).
    'window-s': { type: 'string', default: '30' },
    // Clients send this long before the measured `--seconds` begin (the servers' code and connections warm up);
    // what they send then is still counted for lost/duplicated, and its latency is reported apart.
    'warmup-s': { type: 'string', default: '30' },
    out: { type: 'string', default: 'bench/results/load.json' },
    // Empty: the servers' defaults (.env.example).
    'max-backlog': { type: 'string', default: '' },
    'max-queue-age-ms': { type: 'string', default: '' },
  },
});

/**
 * Counters of every instance's /metrics, each summed over the instances by its one label's value (what the servers
 * counted): e.g. `{ parley_admission_refused_total: { backlog: 3, queue_age: 1 } }`.
 */
async function serverCounters(instances: Instance[], names: string[]): Promise<Record<string, Record<string, number>>> {
  const sums: Record<string, Record<string, number>> = Object.fromEntries(names.map((n) => [n, {}]));
  for (const i of instances) {
    const text = await fetch(`${i.url}/metrics`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text(), () => '');
    for (const m of text.matchAll(/^(\w+)\{\w+="(\w+)"\} (\d+)/gm)) {
      const byValue = sums[m[1]];
      if (byValue) byValue[m[2]] = (byValue[m[2]] ?? 0) + Number(m[3]);
    }
  }
  return sums;
}

async function main(): Promise<void> {
  const clientsN = Number(values.clients);
  const seconds = Number(values.seconds);
  const paceMs = Number(values.pace) * 1000;
  const warmupS = Number(values['warmup-s']);
  if (!Number.isFinite(warmupS) || warmupS < 0) throw new Error(`--warmup-s must be a number of seconds >= 0, got ${values['warmup-s']}`);
  const loadBefore = loadavg();
  const instances: Instance[] = [];
  const admission = { CHAT_MAX_BACKLOG: values['max-backlog']!, CHAT_MAX_QUEUE_AGE_MS: values['max-queue-age-ms']! };
  const nlu = nluPerInstance(Number(values.instances));
  const env = { databaseUrl: values['db-url']!, redisUrl: values['redis-url']!, model: values.model!, extra: { ...admission, ...nlu } };
  // One after the other: the first migrates the database.
  for (let i = 0; i < Number(values.instances); i++) instances.push(await startInstance(i, Number(values['base-port']) + i, env));
  const proxy = new RoundRobinProxy(() => instances.map((i) => i.port));
  const port = await proxy.listen();
  const stats = newStats();
  const t0 = performance.now();
  let clients: Awaited<ReturnType<typeof connectClients>> = [];
  try {
    clients = await connectClients(`http://127.0.0.1:${port}`, clientsN, paceMs, stats, t0);
    const connectedS = (performance.now() - t0) / 1000;
    console.log(`${clientsN} clients connected in ${r2(connectedS)} s; sending for ${warmupS ? `${warmupS} s of warm-up and ` : ''}${seconds} s (one message every ~${values.pace} s each)`);
    const cpu = new CpuMeter(() => instances);
    const warmupStart = performance.now();
    const start = warmupStart + warmupS * 1000;
    const sending = Promise.all(clients.map((c) => c.run(start + seconds * 1000)));
    await sleep(start - performance.now());
    const ackedBefore = stats.acked;
    cpu.start();
    await sending;
    const sendingS = (performance.now() - start) / 1000;
    const ackedWhileMeasured = stats.acked - ackedBefore;
    const cpuUse = cpu.stop(ackedWhileMeasured);
    for (const c of clients) c.stop();
    const loadAfter = loadavg();
    // The servers keep answering what they acked; an overloaded run drains its backlog here before the count.
    const drained = await settle(clients, Number(values.grace) * 1000);
    const counted = await audit(env.databaseUrl, clients);
    const lat = latencySummary(stats, start - t0);
    const accepted = latencySummary(stats, start - t0, Infinity, 'acceptedLatencies');
    const ack = stats.ackLatencies.filter(([at]) => at >= start - t0).map(([, ms]) => ms).sort((a, b) => a - b);
    const ready = await readiness(instances);
    const counters = await serverCounters(instances, ['parley_admission_refused_total', 'parley_turn_path_total']);
    const refusedBy = counters.parley_admission_refused_total;
    const turnPaths = counters.parley_turn_path_total;
    const errors = Object.values(stats.errors).reduce((a, b) => a + b, 0);
    const result = {
      bench: 'load',
      date: new Date().toISOString(),
      instances: instances.length,
      clients: clientsN,
      seconds,
      warmup_s: warmupS,
      pace_s: Number(values.pace),
      admission: { max_backlog: admission.CHAT_MAX_BACKLOG || 'default', max_queue_age_ms: admission.CHAT_MAX_QUEUE_AGE_MS || 'default' },
      nlu_per_instance: { workers: Number(nlu.NLU_WORKERS), threads: Number(nlu.NLU_THREADS) },
      connect_s: r2(connectedS),
      messages_acked: counted.acked,
      msgs_per_s: r2(ackedWhileMeasured / sendingS),
      ...lat,
      ...(warmupS ? { warmup: latencySummary(stats, warmupStart - t0, start - t0) } : {}),
      window_s: Number(values['window-s']),
      by_window: latencyByWindow(stats, start - t0, Number(values['window-s'])),
      // From the send the server accepted (admission control refuses what it cannot answer in time with BUSY).
      accepted_p50_ms: accepted.p50_ms,
      accepted_p99_ms: accepted.p99_ms,
      refused_busy: stats.refusedBusy,
      refused_by_reason: refusedBy,
      // How the turns stored their replies (warm-up included): unlocked, unlocked_refused (then locked), locked.
      turn_paths: turnPaths,
      ack_p50_ms: r2(ack[Math.floor(ack.length / 2)] ?? NaN),
      ack_p99_ms: r2(ack[Math.min(ack.length - 1, Math.floor(ack.length * 0.99))] ?? NaN),
      errors,
      error_codes: stats.errors,
      lost: counted.lost,
      duplicated: counted.duplicated,
      backlog_drain_s: drained.drain_s,
      owed_after_grace: drained.owed_after_grace,
      duplicate_deliveries: stats.duplicateDeliveries,
      undelivered: counted.undelivered,
      stored_unacked: counted.stored_unacked,
      disconnects: stats.disconnects.length,
      readiness_after: ready,
      cpu_while_sending: cpuUse,
      machine: { ...machine(loadBefore), load_avg_end_of_sending: loadAfter.map(r2) },
      notes:
        'servers, clients, PostgreSQL and Redis share the machine; rate limits off (all clients are 127.0.0.1); lost = acked but not stored or never answered; duplicated = stored twice or answered twice; refused_busy = sends refused by admission control (not stored, resent by the client after retryAfterMs; neither errors nor lost); p50/p99 from the first attempt, accepted_p50/p99 from the accepted send',
    };
    console.table([
      { metric: 'instances × clients', value: `${instances.length} × ${clientsN}` },
      { metric: 'acked msgs/s', value: result.msgs_per_s },
      { metric: 'reply p50 / p99 ms (from first attempt)', value: `${lat.p50_ms} / ${lat.p99_ms}` },
      { metric: 'reply p50 / p99 ms (from accepted send)', value: `${accepted.p50_ms} / ${accepted.p99_ms}` },
      { metric: 'sends refused BUSY (resent later)', value: stats.refusedBusy },
      { metric: 'ack p50 / p99 ms', value: `${result.ack_p50_ms} / ${result.ack_p99_ms}` },
      { metric: 'errors', value: errors },
      { metric: 'lost / duplicated', value: `${counted.lost} / ${counted.duplicated}` },
      { metric: 'backlog drained after sending (s)', value: drained.drain_s },
      { metric: 'load avg (1m) before → end', value: `${r2(loadBefore[0])} → ${r2(loadAfter[0])}` },
    ]);
    console.log(`reply p50/p99 ms by ${result.window_s} s window:`, result.by_window.map((w) => `${w.from_s}s ${w.p50_ms}/${w.p99_ms}`).join(', '));
    console.log('CPU while sending (ms per acked message; % of the machine):', cpuUse);
    if (errors) console.log('errors:', stats.errors);
    console.log('refused by reason (server counters):', refusedBy);
    console.log('turn paths (server counters):', turnPaths);
    writeResult(values.out!, result);
  } finally {
    for (const c of clients) c.close();
    await proxy.close();
    for (const i of instances) await stopInstance(i);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

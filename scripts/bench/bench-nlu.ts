/**
 * NLU runtime bench: batch-1 latency of one 16-token message, throughput with 64 concurrent callers,
 * event-loop delay under that load, RSS, int8 vs fp32, main-thread vs worker-thread sessions, and
 * the same graph run by Python onnxruntime with the same ids and thread count. Prints a table and
 * writes bench/results/nlu.json. Bounded: about a minute on 2 cores.
 *
 *   npm run bench:nlu [-- --model DIR --seconds 4 --threads 2]
 */
import { Logger } from '@nestjs/common';
import { createNluService, DISABLED_OPTIMIZERS, NluLoadOptions, NluService, SPIN_DURATION_US } from '@app/nlu';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { LATENCY_MESSAGE } from './latency-message';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: process.env.PARLEY_MODEL_DIR ?? 'models/default' },
    seconds: { type: 'string', default: '4' },
    threads: { type: 'string', default: String(Math.min(2, availableParallelism())) },
    'latency-iters': { type: 'string', default: '400' },
    child: { type: 'string' },
  },
});
const MODEL = resolve(values.model);
const SECONDS = Number(values.seconds);
const THREADS = Number(values.threads);
const LATENCY_ITERS = Number(values['latency-iters']);
const CALLERS = 64;

// 16 ids with [CLS]/[SEP] (checked at start-up); the throughput mix is support traffic of similar length.
const MESSAGE = LATENCY_MESSAGE;
const MIX = [
  MESSAGE,
  'where is my package? it should have arrived by now',
  'can you help me get a refund of $160 for invoice #37777',
  'I would like to upgrade my account to platinum please',
  'how do I change the delivery address to Valencia, Spain',
  'my name is Anna Freeman and I cannot log in',
  'what payment methods do you accept',
  'please cancel purchase 00004587345 right away',
  'I need to talk to a human agent',
  'the item I received is damaged, what can I do',
  'track order 370795561790',
  'how long does shipping to Japan take',
];

interface Config {
  name: string;
  load: NluLoadOptions;
  /** Also time the parts of one batch-1 parse (BREAKDOWN_ITERS calls; worker backend). */
  breakdown?: boolean;
  /** Environment the child process starts with on top of this one (settings read before Node starts, e.g. glibc's). */
  env?: Record<string, string>;
}

/** Medians (ms) of the parts of one batch-1 parse of MESSAGE, each timed on every call. */
interface Breakdown {
  calls: number;
  parse_ms: number;
  /** Text → word pieces on the main thread (the encoder's word cache is warm, as in steady traffic). */
  encode_ms: number;
  /** session.run inside the worker. */
  session_run_ms: number;
  /** Posting the batch to the worker and its outputs back (backend round trip minus session.run). */
  worker_hop_ms: number;
  /** The rest of parse: the micro-batcher's turn, slicing, softmax, BIO decoding, normalisers (parse minus encode minus round trip, per call). */
  batcher_and_decode_ms: number;
}

interface Row {
  config: string;
  variant: string;
  backend: string;
  p50_ms: number;
  p99_ms: number;
  throughput_msgs_per_s: number;
  cpu_ms_per_msg: number;
  /** What THREADS dedicated cores would sustain at this CPU cost per message. */
  cpu_bound_msgs_per_s: number;
  mean_batch: number;
  event_loop_delay_p99_ms: number;
  event_loop_delay_max_ms: number;
  rss_mb: number;
  breakdown?: Breakdown;
}

const BREAKDOWN_ITERS = 2000;

const pct = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((q / 100) * s.length))];
};
const r2 = (x: number): number => Math.round(x * 100) / 100;

async function latency(nlu: NluService): Promise<number[]> {
  for (let i = 0; i < 50; i++) await nlu.parse(MESSAGE);
  const out: number[] = [];
  for (let i = 0; i < LATENCY_ITERS; i++) {
    const t = performance.now();
    await nlu.parse(MESSAGE);
    out.push(performance.now() - t);
  }
  return out;
}

/**
 * Times each part of a batch-1 parse on the same calls: encode, the backend round trip (with the worker's own
 * session.run time) and a whole parse, interleaved so that shared-machine noise hits all of them alike.
 */
async function breakdown(nlu: NluService): Promise<Breakdown> {
  // The bench may look inside: the encoder and the backend are what parse() uses.
  const model = nlu['current']!;
  const ids = nlu.tokenize(MESSAGE).ids;
  const encode: number[] = [];
  const run: number[] = [];
  const hop: number[] = [];
  const parse: number[] = [];
  const rest: number[] = [];
  for (let i = 0; i < BREAKDOWN_ITERS; i++) {
    let t = performance.now();
    model.encoder.encode(MESSAGE);
    const e = performance.now() - t;
    const input = { ids: BigInt64Array.from(ids, BigInt), mask: new BigInt64Array(ids.length).fill(1n), batch: 1, seq: ids.length };
    t = performance.now();
    const out = await model.backend.run(input);
    const roundTrip = performance.now() - t;
    t = performance.now();
    await nlu.parse(MESSAGE);
    const p = performance.now() - t;
    encode.push(e);
    run.push(out.runMs ?? NaN);
    hop.push(roundTrip - (out.runMs ?? NaN));
    parse.push(p);
    rest.push(p - e - roundTrip);
  }
  const med = (xs: number[]): number => Math.round(pct(xs, 50) * 1000) / 1000;
  return { calls: BREAKDOWN_ITERS, parse_ms: med(parse), encode_ms: med(encode), session_run_ms: med(run), worker_hop_ms: med(hop), batcher_and_decode_ms: med(rest) };
}

interface Throughput {
  rate: number;
  cpuMsPerMsg: number;
  meanBatch: number;
  eldP99: number;
  eldMax: number;
  rssMb: number;
}

async function throughput(nlu: NluService): Promise<Throughput> {
  const batchesBefore = nlu.stats!.batches;
  // Process-wide CPU time (main thread, workers and ORT threads): on a shared machine this stays
  // meaningful when wall-clock rates do not.
  const cpu0 = process.cpuUsage();
  const eld = monitorEventLoopDelay({ resolution: 1 });
  let rss = process.memoryUsage().rss;
  const sampler = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 50);
  const deadline = performance.now() + SECONDS * 1000;
  let done = 0;
  eld.enable();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CALLERS }, async (_, c) => {
      for (let i = c; performance.now() < deadline; i++) {
        await nlu.parse(MIX[i % MIX.length]);
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  eld.disable();
  clearInterval(sampler);
  const batches = nlu.stats!.batches - batchesBefore;
  const cpu = process.cpuUsage(cpu0);
  const cpuMsPerMsg = (cpu.user + cpu.system) / 1000 / done;
  return { rate: done / elapsed, cpuMsPerMsg, meanBatch: done / batches, eldP99: eld.percentile(99) / 1e6, eldMax: eld.max / 1e6, rssMb: rss / 2 ** 20 };
}

async function runConfig(cfg: Config): Promise<Row> {
  const nlu = await createNluService({ modelDir: MODEL, ...cfg.load });
  try {
    const lat = await latency(nlu);
    const parts = cfg.breakdown ? await breakdown(nlu) : undefined;
    const tp = await throughput(nlu);
    const info = nlu.modelInfo!;
    return {
      config: cfg.name,
      variant: info.variant,
      backend: `${info.runtime.backend} ${info.runtime.workers}x${info.runtime.threads}t`,
      p50_ms: r2(pct(lat, 50)),
      p99_ms: r2(pct(lat, 99)),
      throughput_msgs_per_s: Math.round(tp.rate),
      cpu_ms_per_msg: Math.round(tp.cpuMsPerMsg * 1000) / 1000,
      cpu_bound_msgs_per_s: Math.round((THREADS * 1000) / tp.cpuMsPerMsg),
      mean_batch: r2(tp.meanBatch),
      event_loop_delay_p99_ms: r2(tp.eldP99),
      event_loop_delay_max_ms: r2(tp.eldMax),
      rss_mb: Math.round(tp.rssMb),
      ...(parts ? { breakdown: parts } : {}),
    };
  } finally {
    await nlu.close();
  }
}

/**
 * Each configuration runs in its own process, so its RSS is its own (freed ORT arenas and old
 * sessions are not returned to the OS within one process) and one config's JIT or caches cannot
 * help the next. The child runs this file's compiled JavaScript under plain node, as `npm start` runs the
 * server (scripts/run-dist.js): under tsx the same process holds about 45 MB more (the TypeScript loader),
 * which no deployment carries.
 */
function runChild(cfg: Config): Row {
  const args = ['scripts/run-dist.js', 'scripts/bench/bench-nlu.ts', '--child', JSON.stringify(cfg), '--model', MODEL, '--seconds', String(SECONDS)];
  args.push('--threads', String(THREADS), '--latency-iters', String(LATENCY_ITERS));
  const res = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...cfg.env } });
  const last = res.stdout.trim().split('\n').pop() ?? '';
  if (res.status !== 0 || !last.startsWith('{')) throw new Error(`bench child ${cfg.name} failed: ${res.stderr.slice(-1000)}`);
  return JSON.parse(last);
}

function python(variant: 'int8' | 'fp32', ids: number[][]): Record<string, number> | { error: string } {
  const job = {
    model: join(MODEL, variant === 'int8' ? 'model.int8.onnx' : 'model.onnx'),
    threads: THREADS,
    // The same graph and session entries as the Node rows (spinning as in the default row; the bound comes from
    // SPIN_DURATION_US, not a copy), on two threads because the default row runs two one-thread sessions.
    spin: false,
    spin_duration_us: SPIN_DURATION_US,
    disabled_optimizers: DISABLED_OPTIMIZERS,
    ids,
    batch: 32,
    latency_iters: LATENCY_ITERS,
    throughput_seconds: SECONDS,
  };
  const res = spawnSync('.venv/bin/python', ['scripts/bench/bench_nlu_python.py'], { input: JSON.stringify(job), encoding: 'utf8', timeout: 120_000 });
  if (res.status !== 0) return { error: (res.stderr || res.error?.message || 'python failed').slice(-500) };
  return JSON.parse(res.stdout);
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  if (values.child) {
    console.log(JSON.stringify(await runConfig(JSON.parse(values.child))));
    return;
  }
  const configs: Config[] = [
    // The first row is the default (NLU_WORKERS=2, NLU_THREADS=1): the headline figures.
    { name: 'int8 workers 2x1 (default)', load: { variant: 'int8', backend: 'workers', workers: 2, threads: 1, spin: false }, breakdown: true },
    // glibc's heaps: two arenas instead of one per allocating thread (up to 8 per core). ~30 MB less RSS, but the chat
    // server's replies were 12-15 % slower with it (README, NLU runtime), so it is a deployment option, not the default.
    { name: 'int8 workers 2x1 MALLOC_ARENA_MAX=2', load: { variant: 'int8', backend: 'workers', workers: 2, threads: 1, spin: false }, env: { MALLOC_ARENA_MAX: '2' } },
    { name: 'int8 workers 2x1 ORT arena off', load: { variant: 'int8', backend: 'workers', workers: 2, threads: 1, spin: false, memArena: false } },
    { name: 'int8 workers 1x2', load: { variant: 'int8', backend: 'workers', workers: 1, threads: THREADS, spin: false } },
    // The low-latency profile (NLU_WORKERS=1 NLU_THREADS=2 NLU_SPIN=true).
    { name: 'int8 workers 1x2 spin', load: { variant: 'int8', backend: 'workers', workers: 1, threads: THREADS, spin: true }, breakdown: true },
    { name: 'int8 main thread 1x2 spin', load: { variant: 'int8', backend: 'inline', threads: THREADS, spin: true } },
    { name: 'fp32 workers 2x1', load: { variant: 'fp32', backend: 'workers', workers: 2, threads: 1, spin: false } },
  ];
  const probe = await createNluService({ modelDir: MODEL, backend: 'inline', threads: 1 });
  const info = probe.modelInfo!;
  const ids = MIX.map((m) => probe.tokenize(m).ids);
  if (ids[0].length !== 16) throw new Error(`the latency message should be 16 tokens, it is ${ids[0].length}`);
  console.log(`message tokens: ${ids[0].length}; mix tokens: ${ids.map((x) => x.length).join(' ')}`);
  await probe.close();
  // Event-loop delay of an idle process on this machine right now: what the shared load alone costs.
  const idle = monitorEventLoopDelay({ resolution: 1 });
  idle.enable();
  await new Promise((res) => setTimeout(res, 2000));
  idle.disable();
  const idleEldP99 = r2(idle.percentile(99) / 1e6);
  const load0 = loadavg();
  const rows: Row[] = [];
  for (const cfg of configs) {
    rows.push(runChild(cfg));
    console.log(`${cfg.name}: ${rows[rows.length - 1].throughput_msgs_per_s} msgs/s`);
  }
  const py = { int8: python('int8', ids), fp32: python('fp32', ids) };
  const main = rows[0];
  const fp32 = rows.find((r) => r.variant === 'fp32')!;
  const pyInt8 = 'error' in py.int8 ? null : py.int8;
  const pyFp32 = 'error' in py.fp32 ? null : py.fp32;

  console.table(rows.map(({ breakdown: _, ...row }) => row));
  console.table(Object.fromEntries(rows.filter((r) => r.breakdown).map((r) => [r.config, r.breakdown])));
  console.table({
    'python int8': pyInt8 ?? py.int8,
    'python fp32': pyFp32 ?? py.fp32,
  });
  const result = {
    date: new Date().toISOString(),
    model: { name: info.name, version: info.version, dir: MODEL },
    machine: { cpu: cpus()[0]?.model, cores: availableParallelism(), loadavg_before: load0.map(r2), loadavg_after: loadavg().map(r2) },
    message: { text: MESSAGE, tokens: ids[0].length },
    // Each Node row ran in a process of its own on the compiled build (runChild).
    node_process: 'node dist/scripts/bench/bench-nlu.js (compiled, as npm start runs the server)',
    // Read by glibc before Node starts; null = glibc's own arena count (what npm start gives the server).
    malloc_arena_max: process.env.MALLOC_ARENA_MAX ?? null,
    threads: THREADS,
    callers: CALLERS,
    seconds_per_phase: SECONDS,
    // Headline figures: the default runtime (int8, worker thread).
    p50_ms: main.p50_ms,
    p99_ms: main.p99_ms,
    throughput_msgs_per_s: main.throughput_msgs_per_s,
    python_throughput_msgs_per_s: pyInt8 ? Math.round(pyInt8.throughput_msgs_per_s) : null,
    node_vs_python_throughput: pyInt8 ? r2(main.throughput_msgs_per_s / pyInt8.throughput_msgs_per_s) : null,
    // CPU-time view (robust to other load on the machine): Node's whole parse vs Python's session.run only.
    cpu_ms_per_msg: main.cpu_ms_per_msg,
    python_cpu_ms_per_msg: pyInt8 ? r2(pyInt8.cpu_ms_per_msg * 1000) / 1000 : null,
    cpu_bound_msgs_per_s: main.cpu_bound_msgs_per_s,
    node_vs_python_cpu_efficiency: pyInt8 ? r2(pyInt8.cpu_ms_per_msg / main.cpu_ms_per_msg) : null,
    node_vs_python_p50: pyInt8 ? r2(main.p50_ms / pyInt8.p50_ms) : null,
    rss_mb: main.rss_mb,
    // Where the default's batch-1 p50 goes (medians over BREAKDOWN_ITERS calls).
    batch1_breakdown_ms: main.breakdown ?? null,
    rss_mb_max_any_config: Math.max(...rows.map((r) => r.rss_mb)),
    event_loop_delay_p99_ms: main.event_loop_delay_p99_ms,
    idle_event_loop_delay_p99_ms: idleEldP99,
    fp32_vs_int8_throughput: r2(fp32.throughput_msgs_per_s / main.throughput_msgs_per_s),
    python_fp32_throughput_msgs_per_s: pyFp32 ? Math.round(pyFp32.throughput_msgs_per_s) : null,
    node_vs_python_fp32_throughput: pyFp32 ? r2(fp32.throughput_msgs_per_s / pyFp32.throughput_msgs_per_s) : null,
    configs: rows,
    python: py,
    targets: {
      p50_ms: { target: 2, ok: main.p50_ms <= 2 },
      p99_ms: { target: 5, ok: main.p99_ms <= 5 },
      throughput_msgs_per_s: { target: 600, ok: main.throughput_msgs_per_s >= 600 },
      node_vs_python_throughput: { target: 1, ok: pyInt8 ? main.throughput_msgs_per_s >= pyInt8.throughput_msgs_per_s : false },
      rss_mb: { target: 300, ok: main.rss_mb <= 300 },
      event_loop_delay_p99_ms: { target: 5, ok: main.event_loop_delay_p99_ms <= 5 },
    },
  };
  console.table(Object.fromEntries(Object.entries(result.targets).map(([k, v]) => [k, { target: v.target, actual: (result as any)[k], ok: v.ok }])));
  console.log(`event-loop delay p99 of an idle process on this machine: ${idleEldP99} ms`);
  console.log(`load average before ${load0.map(r2).join(' ')}, after ${loadavg().map(r2).join(' ')}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/nlu.json', JSON.stringify(result, null, 2) + '\n');
  console.log('wrote bench/results/nlu.json');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

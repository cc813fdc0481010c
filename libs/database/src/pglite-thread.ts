import { Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { serialize } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue(value: unknown): string | Buffer | null };

type Row = Record<string, any>;

/** One named statement for {@link PgliteThread.query} and {@link PgliteThread.group}. */
export interface ThreadStatement {
  name: string;
  text: string;
  values: unknown[];
}

/**
 * The thread's code, run with `eval: true` (plain CommonJS: the same under tsx, ts-jest and compiled dist, and
 * outside jest's vm contexts, which cannot run PGlite's dynamic import()). It owns the PGlite instance, the only
 * session of the embedded database, and serves two kinds of requests on it, one at a time:
 *
 * - `wire`: raw frontend protocol messages from the node-postgres connection that TypeORM uses; the raw
 *   response goes back. A wire transaction (the response ends in ReadyForQuery with status T or E) holds the
 *   session: local requests wait until it ends, exactly as they would wait for the pool's one connection.
 * - `local`: named statements of the hot path, run here without a round trip to the main thread per protocol
 *   step. Each is parsed once (name prefixed `local:`, apart from the names node-postgres prepares on the wire),
 *   then bound and executed; a group's statements go in one batch ending in one Sync, which makes them one
 *   implicit transaction: all commit, or none (PostgreSQL skips the rest after an error until the Sync).
 *   Rows are parsed with node-postgres' own type parsers (pg-types), so they look as node-postgres returns them.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.paths.pglite);
const { serialize } = require(workerData.paths.protocol);
const types = require(workerData.paths.types);
let db = null;
const prepared = new Set();
let wireIdle = true;
const jobs = [];
let pumping = false;

function errorFields(e) {
  const out = { message: String((e && e.message) || e) };
  for (const k of ['code', 'severity', 'detail', 'hint', 'position', 'schema', 'table', 'column', 'dataType', 'constraint', 'routine']) {
    if (e && e[k] !== undefined) out[k] = e[k];
  }
  return out;
}
async function runLocal(statements) {
  const parts = [];
  const parsing = [];
  for (const s of statements) {
    const name = 'local:' + s.name;
    if (!prepared.has(name) && !parsing.includes(name)) { parts.push(serialize.parse({ name, text: s.text, types: [] })); parsing.push(name); }
    parts.push(serialize.bind({ statement: name, values: s.values }));
    parts.push(serialize.describe({ type: 'P' }));
    parts.push(serialize.execute({}));
  }
  parts.push(serialize.sync());
  const { messages } = await db.execProtocol(Buffer.concat(parts), { throwOnError: false });
  const results = [];
  let fields = null, rows = [], parsed = 0, error = null;
  for (const m of messages) {
    if (m.name === 'parseComplete') prepared.add(parsing[parsed++]);
    else if (m.name === 'rowDescription') fields = m.fields.map((f) => ({ name: f.name, parse: types.getTypeParser(f.dataTypeID, 'text') }));
    else if (m.name === 'dataRow') {
      const row = {};
      for (let i = 0; i < fields.length; i++) { const v = m.fields[i]; row[fields[i].name] = v === null ? null : fields[i].parse(v); }
      rows.push(row);
    } else if (m.name === 'commandComplete') { results.push(rows); rows = []; fields = null; }
    else if (m.name === 'error' && !error) error = { index: results.length, ...errorFields(m) };
  }
  if (!error) return { results };
  // A plan made before a migration changed a table under it: drop it, the next run parses afresh.
  if (error.code === '0A000') {
    const names = statements.map((s) => 'local:' + s.name).filter((n) => prepared.delete(n));
    if (names.length > 0) await db.execProtocol(Buffer.concat([...names.map((name) => serialize.close({ type: 'S', name })), serialize.sync()]), { throwOnError: false });
  }
  return { error };
}
async function handle(msg) {
  try {
    if (msg.type === 'local') {
      parentPort.postMessage({ id: msg.id, ...(await runLocal(msg.statements)) });
    } else if (msg.type === 'wire') {
      const raw = await db.execProtocolRaw(msg.bytes);
      const out = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw : raw.slice();
      const n = out.byteLength;
      // The response to a Sync or a simple Query ends in ReadyForQuery: 'Z', length 5, status I / T / E.
      // Anything else (in a transaction, or mid-statement after a Flush) holds the session for the wire.
      wireIdle = n >= 6 && out[n - 6] === 0x5a && out[n - 1] === 0x49;
      parentPort.postMessage({ id: msg.id, bytes: out }, [out.buffer]);
    } else if (msg.type === 'wire-end') {
      // The client went away (ended, or destroyed after an error). Like a server whose socket closed, end what it
      // left open: an unfinished extended query (Sync) and its transaction (ROLLBACK, a no-op outside one).
      if (!wireIdle) await db.execProtocolRaw(Buffer.concat([serialize.sync(), serialize.query('ROLLBACK')]));
      wireIdle = true;
      parentPort.postMessage({ id: msg.id });
    } else if (msg.type === 'open') {
      db = await PGlite.create(msg.dataDir);
      parentPort.postMessage({ id: msg.id });
    } else if (msg.type === 'close') {
      if (db && !db.closed) await db.close();
      parentPort.postMessage({ id: msg.id });
    } else {
      throw new Error('unknown message type ' + msg.type);
    }
  } catch (err) {
    parentPort.postMessage({ id: msg.id, fatal: String((err && err.stack) || err) });
  }
}
// One request at a time, in arrival order, except that local ones wait while the wire holds a transaction.
async function pump() {
  if (pumping) return;
  pumping = true;
  for (;;) {
    const i = jobs.findIndex((j) => j.type !== 'local' || wireIdle);
    if (i < 0) break;
    await handle(jobs.splice(i, 1)[0]);
  }
  pumping = false;
}
parentPort.on('message', (msg) => {
  jobs.push(msg);
  void pump();
});
`;

interface Pending {
  resolve(value: { bytes?: Uint8Array; results?: Row[][] }): void;
  reject(error: Error): void;
}

/** A statement PGlite refused, shaped as node-postgres reports one (`code`, `detail`, `constraint` …). */
export class PgliteStatementError extends Error {
  code?: string;
  detail?: string;
  constraint?: string;
  table?: string;
  /** Which statement of a group failed. */
  index?: number;

  constructor(fields: Record<string, unknown>) {
    super(String(fields.message));
    this.name = 'PgliteStatementError';
    Object.assign(this, fields);
  }
}

/**
 * PGlite (PostgreSQL in WASM) in a worker thread of its own, for the embedded database. In the main thread its
 * query execution took about half of the event loop's time under chat load. Here it runs beside the event loop;
 * the hot-path statements ({@link query}, {@link group}) cost the main thread one message each way, and the rest
 * (TypeORM, through {@link PgliteThreadConnection}) costs what a PostgreSQL server would: encoding and decoding.
 */
export class PgliteThread {
  private readonly thread: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;
  closed = false;

  private constructor() {
    const paths = { pglite: require.resolve('@electric-sql/pglite'), protocol: require.resolve('pg-protocol'), types: require.resolve('pg-types') };
    this.thread = new Worker(THREAD_SOURCE, { eval: true, workerData: { paths } });
    this.thread.on('message', (msg: { id: number; bytes?: Uint8Array; results?: Row[][]; error?: Record<string, unknown>; fatal?: string }) => {
      const call = this.pending.get(msg.id);
      if (!call) return;
      this.pending.delete(msg.id);
      if (msg.fatal !== undefined) call.reject(new Error(`PGlite failed: ${msg.fatal}`));
      else if (msg.error) call.reject(new PgliteStatementError(msg.error));
      else call.resolve(msg);
    });
    this.thread.on('error', (error) => this.fail(error));
    this.thread.on('exit', (code) => this.fail(new Error(`the embedded database thread exited with code ${code}`)));
  }

  /** Starts the thread and opens the database in `dataDir` (a folder, or `memory://`). */
  static async open(dataDir: string): Promise<PgliteThread> {
    const db = new PgliteThread();
    try {
      await db.request({ type: 'open', dataDir });
    } catch (error) {
      await db.thread.terminate();
      throw error;
    }
    return db;
  }

  /** Runs one named statement on its own (it commits on its own); its rows as node-postgres returns them. */
  async query(name: string, text: string, values: unknown[]): Promise<Row[]> {
    return (await this.group([{ name, text, values }]))[0];
  }

  /**
   * Runs the statements in order in one transaction, in one round trip: each one's rows, or a
   * {@link PgliteStatementError} (its `index` says which) and nothing of the group is kept.
   */
  async group(statements: ThreadStatement[]): Promise<Row[][]> {
    const wire = statements.map((s) => ({ name: s.name, text: s.text, values: s.values.map(prepareValue) }));
    return (await this.request({ type: 'local', statements: wire })).results!;
  }

  /** Runs a batch of frontend protocol messages; resolves with every backend message they produced, as bytes. */
  async wire(bytes: Uint8Array): Promise<Uint8Array> {
    return (await this.request({ type: 'wire', bytes }, [bytes.buffer as ArrayBuffer])).bytes!;
  }

  /** The wire client went away: roll back whatever transaction it left open, so the session is free again. */
  async endWire(): Promise<void> {
    await this.request({ type: 'wire-end' });
  }

  /** Closes the database (flushing it to its folder) and stops the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (!this.failure) await this.request({ type: 'close' });
    } finally {
      this.closed = true;
      await this.thread.terminate();
    }
  }

  private request(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<{ bytes?: Uint8Array; results?: Row[][] }> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('the embedded database is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.thread.postMessage({ ...msg, id }, transfer);
    });
  }

  private fail(error: Error): void {
    if (this.closed) return;
    // Every later statement fails with this error (readiness reports the database down); say why once, loudly.
    if (!this.failure) new Logger('Database').error({ event: 'database.pglite_thread_failed', message: error.message });
    this.failure ??= error;
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
  }
}

/**
 * What node-postgres' `Client` needs of a connection (the shape of its own `Connection`, and of PGlite's
 * in-process adapter), backed by a {@link PgliteThread}. Messages are buffered until the client asks for a
 * response (Sync, Flush, a simple Query), then sent as one batch: one thread round trip per statement, not one
 * per protocol message. Batches run one after another, in order.
 */
export class PgliteThreadConnection extends EventEmitter {
  // node-postgres' Client.end() calls connection.end() only while this is set.
  _connecting = false;
  // Client.end() destroys the stream when a query is still active.
  readonly stream = { destroy: () => this.end() };
  parsedStatements = {};
  submittedNamedStatements = {};
  private readonly parser = new Parser();
  private buffered: Buffer[] = [];
  private queue: Promise<void> = Promise.resolve();
  private emitMessage = false;

  constructor(private readonly db: PgliteThread) {
    super();
    this.on('newListener', (event) => {
      if (event === 'message') this.emitMessage = true;
    });
  }

  connect(): void {
    this._connecting = true;
    // No startup exchange: the session is PGlite's own. The client is connected once it sees ReadyForQuery.
    process.nextTick(() => this.emit('readyForQuery', { name: 'readyForQuery', status: 'I' }));
  }

  // Startup, TLS and authentication have nothing to do here.
  requestSsl(): void {}
  startup(): void {}
  password(): void {}
  cancel(): void {}
  ref(): void {}
  unref(): void {}
  sendSASLInitialResponseMessage(): void {}
  sendSCRAMClientFinalMessage(): void {}

  query(text: string): void {
    this.push(serialize.query(text), true);
  }
  parse(query: Parameters<typeof serialize.parse>[0]): void {
    this.push(serialize.parse(query));
  }
  bind(config: Parameters<typeof serialize.bind>[0]): void {
    this.push(serialize.bind(config));
  }
  execute(config: Parameters<typeof serialize.execute>[0]): void {
    this.push(serialize.execute(config));
  }
  describe(msg: Parameters<typeof serialize.describe>[0]): void {
    this.push(serialize.describe(msg));
  }
  close(msg: Parameters<typeof serialize.close>[0]): void {
    this.push(serialize.close(msg));
  }
  flush(): void {
    this.push(serialize.flush(), true);
  }
  sync(): void {
    this.push(serialize.sync(), true);
  }
  sendCopyFromChunk(chunk: Buffer): void {
    this.push(serialize.copyData(chunk));
  }
  endCopyFrom(): void {
    this.push(serialize.copyDone(), true);
  }
  sendCopyFail(msg: string): void {
    this.push(serialize.copyFail(msg), true);
  }

  /**
   * Like a socket closing: node-postgres waits for 'end'. The session ends what the client left open (endWire);
   * the thread stays open for the pool's next client.
   */
  end(): void {
    this.send();
    this.queue = this.queue
      .then(() => this.db.endWire())
      .catch(() => undefined)
      .then(() => void this.emit('end'));
    // The pool reuses this connection for its next client: drop the ended client's listeners.
    for (const event of this.eventNames()) if (event !== 'newListener') this.removeAllListeners(event);
    this.emitMessage = false;
  }

  private push(message: Buffer, respond = false): void {
    this.buffered.push(message);
    if (respond) this.send();
  }

  private send(): void {
    if (this.buffered.length === 0) return;
    // A buffer of its own: it is transferred to the thread, and the messages may sit in Node's shared pool.
    const batch = new Uint8Array(this.buffered.reduce((n, b) => n + b.byteLength, 0));
    let at = 0;
    for (const b of this.buffered) {
      batch.set(b, at);
      at += b.byteLength;
    }
    this.buffered = [];
    this.queue = this.queue
      .then(() => this.db.wire(batch))
      .then((bytes) =>
        this.parser.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (message) => {
          if (this.emitMessage) this.emit('message', message);
          // node-postgres listens for ErrorResponse as 'errorMessage'.
          this.emit(message.name === 'error' ? 'errorMessage' : message.name, message);
        }),
      )
      .catch((error: unknown) => void this.emit('error', error));
  }
}

/** node-postgres pool options for a TypeORM DataSource on a {@link PgliteThread}: one session, so one connection. */
export function pgliteThreadPgConfig(db: PgliteThread): Record<string, unknown> {
  return { connection: new PgliteThreadConnection(db), max: 1, user: 'postgres', password: 'dummy', database: 'postgres', host: 'localhost', port: 5432 };
}

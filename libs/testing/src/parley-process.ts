import { ChildProcess, spawn } from 'node:child_process';

/** A Parley server or worker running as its own process (`npm start` / `npm run worker`). */
export interface ParleyProcess {
  proc: ChildProcess;
  /** The JSON of its `PARLEY_READY` (server: `url`, …) or `PARLEY_WORKER_READY` (worker: `workerId`) line. */
  ready: Record<string, unknown>;
  /** Everything it printed (stdout and stderr), for a failure message. */
  output: string[];
}

/**
 * Starts `scripts/start.js` (the server, or with `worker` the training worker; it builds dist/ first when the
 * sources are newer) with `env` over this process's environment, and resolves once it printed its ready line.
 * For tests that must kill a process (SIGKILL) or run one apart from the test's own.
 */
export async function spawnParley(app: 'server' | 'worker', env: Record<string, string>): Promise<ParleyProcess> {
  const output: string[] = [];
  const args = app === 'worker' ? ['scripts/start.js', 'worker'] : ['scripts/start.js'];
  const proc = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      output.push(d.toString());
      const line = /PARLEY_(?:WORKER_)?READY (\{.*\})/.exec(buf);
      if (line) resolve(JSON.parse(line[1]));
    });
    proc.once('exit', (code) => reject(new Error(`${app} exited with ${code}: ${output.join('').slice(-2000)}`)));
  });
  return { proc, ready, output };
}

/** Sends `signal` (SIGTERM: a clean stop; SIGKILL: a crash) and waits for the exit; a stopped one is left alone. */
export async function stopParley(p: ParleyProcess | null, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!p || p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  const exited = new Promise((resolve) => p.proc.once('exit', resolve));
  p.proc.kill(signal);
  await exited;
}

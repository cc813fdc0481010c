import { Injectable } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ProcessLine {
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface RunningProcess {
  /** Resolves with the exit code (null when killed by a signal) once the process and its output streams end. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

/** Runs the Python training CLI as a child process, line by line (the only place that spawns processes). */
@Injectable()
export class TrainingProcessRepository {
  run(python: string, args: string[], onLine: (l: ProcessLine) => void): RunningProcess {
    const child = spawn(python, ['-m', 'nlu_training', ...args], {
      cwd: process.cwd(),
      // Own process group, so a cancel kills the CLI and anything it started (tokenizer threads, exporters).
      detached: true,
      env: { ...process.env, PYTHONUNBUFFERED: '1', TQDM_DISABLE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const streams = (['stdout', 'stderr'] as const).map(
      (stream) =>
        new Promise<void>((resolveStream) => {
          const rl = createInterface({ input: child[stream]! });
          rl.on('line', (line) => onLine({ stream, line }));
          rl.on('close', () => resolveStream());
        }),
    );
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
      child.on('error', (err) => {
        onLine({ stream: 'stderr', line: `failed to start ${python}: ${err.message}` });
        resolveExit({ code: 127, signal: null });
      });
      child.on('exit', (code, signal) => resolveExit({ code, signal }));
    });
    return {
      done: Promise.all([exited, ...streams]).then(([exit]) => exit),
      kill: () => {
        if (child.pid === undefined || child.exitCode !== null) return;
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          child.kill('SIGTERM'); // the group is gone already; make sure the child itself is
        }
      },
    };
  }
}

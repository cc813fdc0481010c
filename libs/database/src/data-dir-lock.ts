import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

/** The embedded database's folder is open in another process (or already in this one). */
export class DataDirLockedError extends Error {
  readonly code = 'DB_DIR_LOCKED';

  constructor(
    readonly dir: string,
    readonly owner: LockOwner,
  ) {
    super(
      `The embedded database folder ${dir} is in use by another Parley process (pid ${owner.pid} on ${owner.host}, since ${owner.since}). ` +
        'Two processes writing one PGlite folder corrupt it: stop that process, or give this one another PGLITE_DIR ' +
        '(several servers share a PostgreSQL server: DATABASE_URL). ' +
        (owner.host === hostname()
          ? ''
          : `It was taken on another host, which cannot be checked from here: if this folder was copied from there, and no process uses it, delete ${join(dir, LOCK_FILE)}.`),
    );
    this.name = 'DataDirLockedError';
  }
}

export interface LockOwner {
  pid: number;
  host: string;
  /** When the owning process started (Linux: /proc/<pid>/stat field 22), so a reused pid is not taken for it. */
  start: string | null;
  since: string;
}

export const LOCK_FILE = 'parley.lock';

/** Folders this process holds: a second open here is refused like one from another process. */
const held = new Set<string>();

/**
 * Takes the embedded database folder for this process: creates `parley.lock` in it exclusively (O_EXCL) with this
 * process's pid, host and start time, and returns the function that gives it back.
 *
 * PGlite has no lock of its own (single-user PostgreSQL writes a `postmaster.pid` but nothing checks it), and two
 * processes on one folder — a second `npm start`, a stale server — silently corrupt it: each writes its own copy
 * of `pg_control`, and the next start finds no valid checkpoint. A lock left by a process that is gone (killed,
 * crashed, or a pid now used by another program) is taken over; one held by a live process, or by another host
 * (a shared volume, which cannot be checked from here), is refused with {@link DataDirLockedError}.
 */
export function lockDataDir(dir: string): () => void {
  const folder = resolve(dir);
  const file = join(folder, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    const owner: LockOwner = { pid: process.pid, host: hostname(), start: processStart(process.pid), since: new Date().toISOString() };
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, JSON.stringify(owner) + '\n');
      } finally {
        closeSync(fd);
      }
      held.add(folder);
      return () => {
        if (!held.delete(folder)) return;
        try {
          if (readOwner(file)?.pid === process.pid) unlinkSync(file);
        } catch {
          // Already gone: nothing to give back.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const current = readOwner(file);
      if (current && isHeldBy(current, folder)) throw new DataDirLockedError(folder, current);
      // Stale (or unreadable: a process that died while writing it): take it over.
      unlinkSync(file);
    }
  }
}

function isHeldBy(owner: LockOwner, folder: string): boolean {
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return held.has(folder); // else a former process that had this pid
  if (!isAlive(owner.pid)) return false;
  // The pid lives, but is it still that process? Only where start times can be read (Linux) can it be told apart.
  const start = processStart(owner.pid);
  return owner.start === null || start === null || start === owner.start;
}

function readOwner(file: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
    return Number.isInteger(owner.pid) && typeof owner.host === 'string' ? owner : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's start time in clock ticks since boot (Linux), or null where /proc is not there. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

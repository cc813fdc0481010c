import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLockedError, LOCK_FILE, lockDataDir, processStart } from './data-dir-lock';

describe('lockDataDir (one process per embedded database folder)', () => {
  let dir: string;
  const lockOf = (pid: number, extra: Record<string, unknown> = {}) =>
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), start: processStart(pid), since: '2026-12-01T00:00:00Z', ...extra }));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes a free folder, refuses it a second time in this process, and gives it back', () => {
    const release = lockDataDir(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lockDataDir(dir)();
  });

  it('refuses a folder a live process holds, naming it', () => {
    const other = spawn('sleep', ['30']);
    try {
      lockOf(other.pid!);
      let error: unknown;
      try {
        lockDataDir(dir);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DataDirLockedError);
      expect(error).toMatchObject({ code: 'DB_DIR_LOCKED', owner: { pid: other.pid } });
      expect((error as Error).message).toContain(`pid ${other.pid}`);
    } finally {
      other.kill();
    }
  });

  it('takes over the lock of a process that is gone, or of a pid now used by another program', () => {
    const gone = spawnSync('true').pid!;
    lockOf(gone);
    lockDataDir(dir)();

    const other = spawn('sleep', ['30']);
    try {
      lockOf(other.pid!, { start: '1' }); // that pid, but a process that started at another time
      lockDataDir(dir)();
    } finally {
      other.kill();
    }

    lockOf(process.pid, { start: '1' }); // this pid, left by an earlier process (a restarted container)
    lockDataDir(dir)();
  });

  it('takes over an unreadable lock file, and refuses one from another host', () => {
    writeFileSync(join(dir, LOCK_FILE), '{"pid": 12');
    lockDataDir(dir)();
    lockOf(1, { host: 'elsewhere.example' });
    expect(() => lockDataDir(dir)).toThrow(/elsewhere\.example/);
    expect(() => lockDataDir(dir)).toThrow(/copied from there.*delete .*parley\.lock/);
  });
});

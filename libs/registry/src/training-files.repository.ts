import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';

/** What the repository ships, relative to the working directory (the repository root). */
export const TRAINING_PATHS = {
  configs: 'training/configs',
  baseData: 'training/data/bitext',
} as const;

export interface CanonicalExample {
  text: string;
  intent: string;
  entities: { start: number; end: number; label: string }[];
}

/**
 * File IO of the registry: model folders, training configs, dataset snapshots, and the scratch folders of jobs
 * and of the gate under TRAINING_WORK_DIR.
 */
@Injectable()
export class TrainingFilesRepository {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Where job `id` exports its model folder (kept: it is registered as a candidate). */
  jobModelDir(jobId: string): string {
    return join(this.config.training.modelsDir, `job-${jobId}`);
  }

  /** Checkpoints and the run log of job `id`: scratch, removed when the job ends. */
  jobWorkDir(jobId: string): string {
    return join(this.config.training.workDir, 'training', `job-${jobId}`);
  }

  /** The gate's inputs and scores for one candidate: scratch, removed once the report is stored. */
  gateDir(modelId: string): string {
    return join(this.config.training.workDir, 'gate', modelId);
  }

  /** Names of `training/configs/*.toml` (the allow-list for jobs). */
  async configNames(): Promise<string[]> {
    const files = await readdir(TRAINING_PATHS.configs).catch(() => [] as string[]);
    return files
      .filter((f) => f.endsWith('.toml'))
      .map((f) => f.slice(0, -5))
      .sort();
  }

  configPath(name: string): string {
    return join(TRAINING_PATHS.configs, `${name}.toml`);
  }

  /** manifest.json and metrics.json of a model folder; null when the folder has no manifest. */
  async readModelFolder(dir: string): Promise<{ manifest: Record<string, unknown>; metrics: Record<string, unknown> | null } | null> {
    const manifest = await readJson(join(dir, 'manifest.json'));
    if (!manifest) return null;
    return { manifest, metrics: await readJson(join(dir, 'metrics.json')) };
  }

  /** A path as stored in the registry: relative to the working directory when inside it. */
  storedPath(dir: string): string {
    const rel = relative(process.cwd(), resolve(dir));
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : resolve(dir);
  }

  async readBaseSplit(split: 'train' | 'dev' | 'test'): Promise<string> {
    return readFile(join(TRAINING_PATHS.baseData, `${split}.jsonl`), 'utf8');
  }

  baseTestFile(): string {
    return join(TRAINING_PATHS.baseData, 'test.jsonl');
  }

  /**
   * Writes `<TRAINING_WORK_DIR>/datasets/<hash>/{train,dev,test}.jsonl` (hash over the three files) unless that snapshot exists;
   * written into a temporary folder and renamed, so a half-written snapshot is never used.
   */
  async writeSnapshot(files: { train: string; dev: string; test: string }): Promise<{ hash: string; dir: string }> {
    const hash = createHash('sha256').update(files.train).update('\0').update(files.dev).update('\0').update(files.test).digest('hex');
    const dir = join(this.config.training.workDir, 'datasets', hash.slice(0, 16));
    if (existsSync(join(dir, 'test.jsonl'))) return { hash, dir };
    const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    await mkdir(tmp, { recursive: true });
    for (const split of ['train', 'dev', 'test'] as const) await writeFile(join(tmp, `${split}.jsonl`), files[split], 'utf8');
    try {
      await rename(tmp, dir);
    } catch (error) {
      // Another worker wrote the same snapshot first: same hash, same content.
      await rm(tmp, { recursive: true, force: true });
      if (!existsSync(join(dir, 'test.jsonl'))) throw error;
    }
    return { hash, dir };
  }

  async writeJsonl(path: string, rows: CanonicalExample[]): Promise<void> {
    await mkdir(resolve(path, '..'), { recursive: true });
    await writeFile(path, toJsonl(rows), 'utf8');
  }

  async readJson(path: string): Promise<Record<string, unknown> | null> {
    return readJson(path);
  }

  async removeDir(path: string): Promise<void> {
    await rm(path, { recursive: true, force: true });
  }
}

export function toJsonl(rows: CanonicalExample[]): string {
  return rows.map((r) => JSON.stringify({ text: r.text, intent: r.intent, entities: r.entities })).join('\n') + (rows.length ? '\n' : '');
}

async function readJson(path: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

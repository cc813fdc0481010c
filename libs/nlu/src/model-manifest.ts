import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ModelLoadError } from './nlu.errors';

/** 2: labels.json carries learned CRF scores that decoding must use (docs/model-format.md). */
export const SUPPORTED_SCHEMA_VERSIONS: readonly number[] = [1, 2];

export type ModelVariant = 'int8' | 'fp32';

export interface Thresholds {
  answer: number;
  retrieval: number;
  review: number;
}

/** The parts of manifest.json the runtime reads (docs/model-format.md). */
export interface ModelManifest {
  schema_version: number;
  name: string;
  version: string;
  max_seq_len: number;
  files: Record<string, string>;
  calibration: { temperature: number };
  thresholds: Thresholds;
  [key: string]: unknown;
}

export interface ModelLabels {
  intents: string[];
  tags: string[];
  entity_types: string[];
  /** A model trained with a CRF: learned scores, index = position in `tags`; transitions[prev][cur]. */
  crf?: { start: number[]; end: number[]; transitions: number[][] };
}

/** A verified model folder: every file it lists has the hash it claims. */
export interface ModelBundle {
  dir: string;
  manifest: ModelManifest;
  labels: ModelLabels;
  variant: ModelVariant;
  onnxPath: string;
}

export const ONNX_FILE: Record<ModelVariant, string> = { int8: 'model.int8.onnx', fp32: 'model.onnx' };
const REQUIRED = ['labels.json', 'tokenizer.json'];

/** sha256 of a file, streamed so a 90 MB graph does not sit in memory or block the event loop. */
export function sha256File(path: string): Promise<string> {
  return new Promise((res, rej) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', rej)
      .on('end', () => res(hash.digest('hex')));
  });
}

async function readJson(path: string, what: string): Promise<unknown> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch {
    throw new ModelLoadError('MODEL_FILE_MISSING', `${what} is missing: ${path}`);
  }
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new ModelLoadError('MODEL_MANIFEST_INVALID', `${what} is not valid JSON (${(err as Error).message})`);
  }
}

function checkManifestShape(m: any, dir: string): asserts m is ModelManifest {
  const bad = (why: string): never => {
    throw new ModelLoadError('MODEL_MANIFEST_INVALID', `manifest.json in ${dir}: ${why}`);
  };
  if (typeof m !== 'object' || m === null) bad('not an object');
  if (!SUPPORTED_SCHEMA_VERSIONS.includes(m.schema_version)) {
    throw new ModelLoadError(
      'MODEL_SCHEMA_UNSUPPORTED',
      `manifest.json in ${dir} has schema_version ${JSON.stringify(m.schema_version)}; this runtime reads ${SUPPORTED_SCHEMA_VERSIONS.join(', ')}`,
    );
  }
  if (typeof m.name !== 'string' || typeof m.version !== 'string') bad('name and version must be strings');
  if (!Number.isInteger(m.max_seq_len) || m.max_seq_len < 3) bad('max_seq_len must be an integer ≥ 3');
  if (typeof m.files !== 'object' || m.files === null) bad('files must map file names to sha256');
  const t = m.calibration?.temperature;
  if (typeof t !== 'number' || !(t > 0)) bad('calibration.temperature must be a positive number');
  for (const k of ['answer', 'retrieval', 'review']) {
    const v = m.thresholds?.[k];
    if (typeof v !== 'number' || v < 0 || v > 1) bad(`thresholds.${k} must be in [0, 1]`);
  }
}

function checkLabels(l: any, dir: string): asserts l is ModelLabels {
  const ok =
    typeof l === 'object' &&
    l !== null &&
    Array.isArray(l.intents) &&
    l.intents.length > 0 &&
    l.intents.every((s: unknown) => typeof s === 'string') &&
    Array.isArray(l.tags) &&
    l.tags.every((s: unknown) => typeof s === 'string' && (s === 'O' || /^[BI]-.+/.test(s)));
  if (!ok) throw new ModelLoadError('MODEL_LABELS_INVALID', `labels.json in ${dir} needs non-empty "intents" and BIO "tags"`);
  if (l.crf !== undefined) {
    const n = l.tags.length;
    const vector = (v: unknown): boolean => Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));
    const c = l.crf;
    if (typeof c !== 'object' || c === null || !vector(c.start) || !vector(c.end) || !Array.isArray(c.transitions) || c.transitions.length !== n || !c.transitions.every(vector)) {
      throw new ModelLoadError('MODEL_LABELS_INVALID', `labels.json in ${dir} has a "crf" that is not start[${n}], end[${n}] and transitions[${n}][${n}] of finite numbers`);
    }
  }
  if (!Array.isArray(l.entity_types)) l.entity_types = [...new Set(l.tags.filter((t: string) => t !== 'O').map((t: string) => t.slice(2)))];
}

/**
 * Reads and verifies a model folder: known schema version, every listed file present with the
 * listed sha256, and the files the runtime needs (the chosen ONNX variant, labels, tokenizer) listed.
 * Throws ModelLoadError; never returns a half-checked bundle.
 */
export async function verifyModelFolder(dir: string, variant: ModelVariant): Promise<ModelBundle> {
  const abs = resolve(dir);
  const dirStat = await stat(abs).catch(() => null);
  if (!dirStat?.isDirectory()) throw new ModelLoadError('MODEL_DIR_MISSING', `model folder not found: ${abs}`);
  const manifest = await readJson(join(abs, 'manifest.json'), 'manifest.json');
  checkManifestShape(manifest, abs);
  for (const needed of [ONNX_FILE[variant], ...REQUIRED]) {
    if (!(needed in manifest.files)) {
      throw new ModelLoadError('MODEL_FILE_MISSING', `manifest.json in ${abs} does not list ${needed}`);
    }
  }
  // Hash files one after another: parallel reads would only fight for the same disk and cores.
  for (const [file, expected] of Object.entries(manifest.files)) {
    if (file.includes('..') || file.startsWith('/')) {
      throw new ModelLoadError('MODEL_MANIFEST_INVALID', `manifest.json lists a path outside the folder: ${file}`);
    }
    const actual = await sha256File(join(abs, file)).catch(() => null);
    if (actual === null) throw new ModelLoadError('MODEL_FILE_MISSING', `${file} is listed in the manifest but missing in ${abs}`);
    if (actual !== String(expected).toLowerCase()) {
      throw new ModelLoadError('MODEL_MANIFEST_MISMATCH', `${file} in ${abs} has sha256 ${actual}, the manifest says ${expected}`);
    }
  }
  const labels = await readJson(join(abs, 'labels.json'), 'labels.json');
  checkLabels(labels, abs);
  return { dir: abs, manifest, labels, variant, onnxPath: join(abs, ONNX_FILE[variant]) };
}

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyModelFolder } from './model-manifest';
import { ModelLoadError } from './nlu.errors';

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

/** A small but well-formed model folder (the ONNX bytes are never run here). */
function makeFolder(overrides: Record<string, unknown> = {}, labels: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'nlu-manifest-'));
  const files: Record<string, string> = {
    'model.int8.onnx': 'int8-graph-bytes',
    'model.onnx': 'fp32-graph-bytes',
    'labels.json': JSON.stringify({ intents: ['a', 'b'], tags: ['O', 'B-x', 'I-x'], entity_types: ['x'], ...labels }),
    'tokenizer.json': '{}',
  };
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  const manifest = {
    schema_version: 1,
    name: 'test',
    version: 'v1',
    max_seq_len: 64,
    files: Object.fromEntries(Object.entries(files).map(([n, b]) => [n, sha(b)])),
    calibration: { temperature: 1.3 },
    thresholds: { answer: 0.8, retrieval: 0.45, review: 0.8 },
    ...overrides,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ModelLoadError);
    return (err as ModelLoadError).code;
  }
  throw new Error('expected a ModelLoadError');
}

describe('verifyModelFolder', () => {
  const dirs: string[] = [];
  const folder = (o?: Record<string, unknown>, labels?: Record<string, unknown>): string => {
    const d = makeFolder(o, labels);
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('accepts an intact folder and picks the variant', async () => {
    const dir = folder();
    const sut = await verifyModelFolder(dir, 'int8');
    expect(sut.onnxPath).toBe(join(dir, 'model.int8.onnx'));
    expect(sut.labels.intents).toEqual(['a', 'b']);
    expect((await verifyModelFolder(dir, 'fp32')).onnxPath).toBe(join(dir, 'model.onnx'));
  });

  it('refuses a folder where one byte of the graph was flipped', async () => {
    const dir = folder();
    const path = join(dir, 'model.int8.onnx');
    const bytes = readFileSync(path);
    bytes[3] ^= 0x01;
    writeFileSync(path, bytes);
    expect(await codeOf(verifyModelFolder(dir, 'int8'))).toBe('MODEL_MANIFEST_MISMATCH');
  });

  it('refuses a listed file that is missing', async () => {
    const dir = folder();
    unlinkSync(join(dir, 'tokenizer.json'));
    expect(await codeOf(verifyModelFolder(dir, 'int8'))).toBe('MODEL_FILE_MISSING');
  });

  it('refuses an unknown schema version', async () => {
    expect(await codeOf(verifyModelFolder(folder({ schema_version: 3 }), 'int8'))).toBe('MODEL_SCHEMA_UNSUPPORTED');
  });

  it('reads the learned CRF scores of a schema 2 folder and refuses a CRF of the wrong shape', async () => {
    const crf = { start: [0.1, 0.2, 0], end: [0, -0.1, 0.3], transitions: [[0, 1, -2], [0.5, 0, 2], [0, 0, 1]] };
    const sut = await verifyModelFolder(folder({ schema_version: 2 }, { crf }), 'int8');
    expect(sut.labels.crf).toEqual(crf);
    const short = { ...crf, transitions: crf.transitions.slice(0, 2) };
    expect(await codeOf(verifyModelFolder(folder({ schema_version: 2 }, { crf: short }), 'int8'))).toBe('MODEL_LABELS_INVALID');
    const notFinite = { ...crf, end: [0, null, 1] };
    expect(await codeOf(verifyModelFolder(folder({ schema_version: 2 }, { crf: notFinite }), 'int8'))).toBe('MODEL_LABELS_INVALID');
  });

  it('refuses a manifest that does not list the runtime files', async () => {
    expect(await codeOf(verifyModelFolder(folder({ files: {} }), 'int8'))).toBe('MODEL_FILE_MISSING');
  });

  it('refuses bad thresholds, a corrupt manifest and a missing folder', async () => {
    expect(await codeOf(verifyModelFolder(folder({ thresholds: { answer: 2 } }), 'int8'))).toBe('MODEL_MANIFEST_INVALID');
    const dir = folder();
    writeFileSync(join(dir, 'manifest.json'), '{not json');
    expect(await codeOf(verifyModelFolder(dir, 'int8'))).toBe('MODEL_MANIFEST_INVALID');
    expect(await codeOf(verifyModelFolder(join(dir, 'nope'), 'int8'))).toBe('MODEL_DIR_MISSING');
  });

  it('refuses paths that escape the folder', async () => {
    const dir = folder();
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    m.files['../etc/passwd'] = sha('x');
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    expect(await codeOf(verifyModelFolder(dir, 'int8'))).toBe('MODEL_MANIFEST_INVALID');
  });
});

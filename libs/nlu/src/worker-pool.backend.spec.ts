import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelLoadError } from './nlu.errors';
import { WorkerPoolBackend } from './worker-pool.backend';

describe('WorkerPoolBackend', () => {
  it('refuses a graph onnxruntime cannot load with a typed error and leaves no worker behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nlu-pool-'));
    const path = join(dir, 'model.int8.onnx');
    writeFileSync(path, 'not an onnx graph');
    try {
      const err = await WorkerPoolBackend.create(path, { threads: 1, workers: 2 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelLoadError);
      expect(err).toMatchObject({ code: 'MODEL_SESSION_FAILED' });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

import { Logger } from '@nestjs/common';
import { createNluService, NluService } from '@app/nlu';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The model our pipeline trained (scripts/ensure-model.sh); tests fail loudly, never skip, without it. */
export const MODEL_DIR = resolve(process.env.PARLEY_MODEL_DIR ?? 'models/default');

export function requireModel(): string {
  if (!existsSync(resolve(MODEL_DIR, 'manifest.json')) || !existsSync(resolve(MODEL_DIR, 'parity.jsonl'))) {
    throw new Error(`No trained model at ${MODEL_DIR}: run scripts/ensure-model.sh first (./scripts/test.sh does).`);
  }
  return MODEL_DIR;
}

/**
 * One inline NluService on the default model for a describe block (loaded in beforeAll, closed in
 * afterAll); call the returned getter inside tests.
 */
export function useDefaultNlu(): () => NluService {
  const dir = requireModel();
  let nlu: NluService | undefined;
  beforeAll(async () => {
    Logger.overrideLogger(false);
    nlu = await createNluService({ modelDir: dir, threads: 1 });
  });
  afterAll(() => nlu?.close());
  return () => {
    if (!nlu) throw new Error('the NLU is loaded in beforeAll');
    return nlu;
  };
}

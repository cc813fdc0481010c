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

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ModelLoadError } from './nlu.errors';
import { PieceFn, SpecialIds, WordPieceEncoder } from './word-piece-encoder';

/** Minimal view of a transformers.js tokenizer that we rely on. */
interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  convert_tokens_to_ids(tokens: string[]): number[];
}

export interface LoadedTokenizer {
  encoder: WordPieceEncoder;
  /** Full-text encoding by the tokenizer itself (with [CLS]/[SEP]); used by the parity tests. */
  encodeFullText(text: string): number[];
}

/**
 * Loads the tokenizer from a local model folder with every remote lookup off. transformers.js v4
 * joins `env.localModelPath` with the model id, so an empty localModelPath plus an absolute folder
 * resolves to the folder itself; nothing is ever fetched.
 */
export async function loadTokenizer(dir: string, maxSeqLen: number): Promise<LoadedTokenizer> {
  const abs = resolve(dir);
  if (!existsSync(join(abs, 'tokenizer.json'))) {
    throw new ModelLoadError('MODEL_FILE_MISSING', `tokenizer.json is missing in ${abs}`);
  }
  // Loaded lazily so importing @app/nlu stays cheap. `require`, not `import()`: under tsx a dynamic
  // import takes the package's ESM build through the loader, which costs ~120 MB more RSS than the CJS build.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AutoTokenizer, env } = require('@huggingface/transformers') as typeof import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = '';
  let tok: HfTokenizer;
  try {
    tok = (await AutoTokenizer.from_pretrained(abs, { local_files_only: true })) as unknown as HfTokenizer;
  } catch (err) {
    throw new ModelLoadError('MODEL_TOKENIZER_FAILED', `cannot load the tokenizer in ${abs}: ${(err as Error).message}`);
  }
  const [cls, sep, pad] = tok.convert_tokens_to_ids(['[CLS]', '[SEP]', '[PAD]']);
  if ([cls, sep, pad].some((id) => typeof id !== 'number' || id < 0)) {
    throw new ModelLoadError('MODEL_TOKENIZER_FAILED', `the tokenizer in ${abs} lacks [CLS]/[SEP]/[PAD]`);
  }
  const special: SpecialIds = { cls, sep, pad };
  const pieces: PieceFn = (word) => tok.encode(word, { add_special_tokens: false });
  return {
    encoder: new WordPieceEncoder(pieces, special, maxSeqLen),
    encodeFullText: (text) => tok.encode(text),
  };
}

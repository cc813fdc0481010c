import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ModelLoadError } from './nlu.errors';
import { PieceFn, SpecialIds, WordPieceEncoder } from './word-piece-encoder';

/**
 * Which library reads tokenizer.json:
 * - 'tokenizers' (default): `@huggingface/tokenizers`, the engine transformers.js v4 itself wraps;
 *   same ids (proved by tokenizer.loader.spec.ts), ~1 MB instead of ~40 MB RSS (~150 MB under tsx).
 * - 'transformers': `AutoTokenizer.from_pretrained(dir, { local_files_only: true })`, the reference.
 */
export type TokenizerImpl = 'tokenizers' | 'transformers';

/** The calls we use; both libraries provide them with the same meaning. */
interface TextEncoder {
  encode(text: string, add_special_tokens: boolean): number[];
  tokenToId(token: string): number | undefined;
}

export interface LoadedTokenizer {
  encoder: WordPieceEncoder;
  /** Full-text encoding by the tokenizer itself (with [CLS]/[SEP]); used by the tests. */
  encodeFullText(text: string): number[];
}

function readJson(path: string): object {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function loadLean(dir: string): TextEncoder {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: only the chosen library is loaded
  const { Tokenizer } = require('@huggingface/tokenizers') as typeof import('@huggingface/tokenizers');
  const configPath = join(dir, 'tokenizer_config.json');
  const tok = new Tokenizer(readJson(join(dir, 'tokenizer.json')), existsSync(configPath) ? readJson(configPath) : {});
  return {
    encode: (text, add) => tok.encode(text, { add_special_tokens: add }).ids,
    tokenToId: (token) => tok.token_to_id(token),
  };
}

async function loadTransformers(dir: string): Promise<TextEncoder> {
  // `require`, not `import()`: under tsx a dynamic import takes the package's ESM build through the
  // loader, which costs ~120 MB more RSS than the CJS build.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AutoTokenizer, env } = require('@huggingface/transformers') as typeof import('@huggingface/transformers');
  // v4 joins env.localModelPath with the model id: an empty localModelPath plus an absolute folder
  // resolves to the folder itself, and with remote models off nothing is ever fetched.
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = '';
  const tok = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  return {
    encode: (text, add) => tok.encode(text, { add_special_tokens: add }),
    tokenToId: (token) => {
      const [id] = tok.convert_tokens_to_ids([token]) as number[];
      return typeof id === 'number' && id >= 0 ? id : undefined;
    },
  };
}

/** Loads the tokenizer of a local model folder; nothing is downloaded. */
export async function loadTokenizer(dir: string, maxSeqLen: number, impl: TokenizerImpl = 'tokenizers'): Promise<LoadedTokenizer> {
  const abs = resolve(dir);
  if (!existsSync(join(abs, 'tokenizer.json'))) {
    throw new ModelLoadError('MODEL_FILE_MISSING', `tokenizer.json is missing in ${abs}`);
  }
  let tok: TextEncoder;
  try {
    tok = impl === 'transformers' ? await loadTransformers(abs) : loadLean(abs);
  } catch (err) {
    throw new ModelLoadError('MODEL_TOKENIZER_FAILED', `cannot load the tokenizer in ${abs}: ${(err as Error).message}`);
  }
  const [cls, sep, pad] = ['[CLS]', '[SEP]', '[PAD]'].map((t) => tok.tokenToId(t));
  if (cls === undefined || sep === undefined || pad === undefined) {
    throw new ModelLoadError('MODEL_TOKENIZER_FAILED', `the tokenizer in ${abs} lacks [CLS]/[SEP]/[PAD]`);
  }
  const special: SpecialIds = { cls, sep, pad };
  const pieces: PieceFn = (word) => tok.encode(word, false);
  return {
    encoder: new WordPieceEncoder(pieces, special, maxSeqLen),
    encodeFullText: (text) => tok.encode(text, true),
  };
}

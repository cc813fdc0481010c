import { iterateWords, Word } from './words';
import { LruCache } from './lru-cache';

/** Turns one word into WordPiece ids (no special tokens). Backed by the model's own tokenizer. */
export type PieceFn = (word: string) => number[];

export interface SpecialIds {
  cls: number;
  sep: number;
  pad: number;
}

export interface EncodedText {
  /** `[CLS] pieces... [SEP]`, at most maxSeqLen long. */
  ids: number[];
  /** Every word up to the end of the window, in order (words after a truncation are left out). */
  words: Word[];
  /**
   * For words[i], the index in `ids` of its first piece (where its BIO tag is read), or -1 for a
   * word the tokenizer normalises away (control or zero-width characters). Such a word is tagged O,
   * as in training/encode.py, so it ends an entity like any other O word.
   */
  firstPiece: number[];
  /** True when pieces were cut to fit maxSeqLen. */
  truncated: boolean;
  /** Number of word pieces (ids without [CLS]/[SEP]); 0 means nothing is left after normalisation. */
  pieceCount: number;
}

/**
 * Word-by-word WordPiece encoding with character offsets. transformers.js gives no offset mapping,
 * so we split words ourselves (the shared rule in words.ts) and tokenize each word alone, exactly
 * as the Python side does with `is_split_into_words=True`. Per-word ids are cached: chat traffic
 * repeats a small vocabulary, and a cache hit is ~50x cheaper than the tokenizer call.
 */
export class WordPieceEncoder {
  private readonly cache: LruCache<string, number[]>;

  constructor(
    private readonly pieces: PieceFn,
    private readonly special: SpecialIds,
    readonly maxSeqLen: number,
    cacheSize = 50_000,
  ) {
    if (maxSeqLen < 3) throw new RangeError('maxSeqLen must leave room for [CLS], one piece and [SEP]');
    this.cache = new LruCache(cacheSize);
  }

  encode(text: string): EncodedText {
    const budget = this.maxSeqLen - 2;
    const ids: number[] = [this.special.cls];
    const words: Word[] = [];
    const firstPiece: number[] = [];
    let truncated = false;
    for (const word of iterateWords(text)) {
      const piece = this.piecesOf(word.text);
      if (piece.length === 0) {
        words.push(word);
        firstPiece.push(-1);
        continue;
      }
      if (ids.length - 1 >= budget) {
        truncated = true;
        break;
      }
      words.push(word);
      firstPiece.push(ids.length);
      const room = budget - (ids.length - 1);
      if (piece.length > room) truncated = true;
      for (let k = 0; k < Math.min(piece.length, room); k++) ids.push(piece[k]);
    }
    ids.push(this.special.sep);
    return { ids, words, firstPiece, truncated, pieceCount: ids.length - 2 };
  }

  private piecesOf(word: string): number[] {
    let ids = this.cache.get(word);
    if (ids === undefined) {
      ids = this.pieces(word);
      this.cache.set(word, ids);
    }
    return ids;
  }
}

/**
 * The word rule of docs/model-format.md, mirrored from training/src/nlu_training/words.py.
 * Any change here is a model-format change: Python decides which word carries which BIO tag.
 * Offsets are UTF-16 code units (what JavaScript strings index by); iteration is by code point
 * so an astral character (emoji, rare CJK) is one character, as in Python.
 */
export interface Word {
  text: string;
  start: number;
  end: number;
}

// Python's str.isspace(), not JS \s: Python counts U+001C..U+001F and U+0085 as space and U+FEFF as not.
const PY_SPACE = new Set<number>([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001,
  0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f,
  0x205f, 0x3000,
]);

const UNICODE_PUNCT = /^\p{P}$/u;
const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

export function isSpace(cp: number): boolean {
  return PY_SPACE.has(cp);
}

/** BERT's definition: the four ASCII symbol ranges plus every Unicode P* category. */
export function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
    return true;
  }
  return UNICODE_PUNCT.test(ch);
}

/** BERT's CJK ideograph blocks (not Hangul or kana). */
export function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** 'L' letters, 'D' decimal digits, '' anything else (which never triggers a split). */
function charClass(ch: string): '' | 'L' | 'D' {
  if (LETTER.test(ch)) return 'L';
  if (DIGIT.test(ch)) return 'D';
  return '';
}

export function splitWords(text: string): Word[] {
  return Array.from(iterateWords(text));
}

/** Lazy form of splitWords, so a caller that only needs the first max_seq_len pieces of a huge text can stop early. */
export function* iterateWords(text: string): Generator<Word> {
  let start = -1;
  let lastClass = '';
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const ch = text.slice(i, i + width);
    const single = !isSpace(cp) && (isPunctuation(ch) || isCjk(cp));
    const cls = isSpace(cp) || single ? '' : charClass(ch);
    // A word ends at a space, before a one-character word, and at a letter/digit switch.
    if (start >= 0 && (isSpace(cp) || single || (cls && lastClass && cls !== lastClass))) {
      yield { text: text.slice(start, i), start, end: i };
      start = -1;
    }
    if (single) {
      yield { text: ch, start: i, end: i + width };
    } else if (!isSpace(cp)) {
      if (start < 0) {
        start = i;
        lastClass = '';
      }
      if (cls) lastClass = cls;
    }
    i += width;
  }
  if (start >= 0) yield { text: text.slice(start), start, end: text.length };
}

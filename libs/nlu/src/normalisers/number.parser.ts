/** Shared number reading for money and quantities: "1,234.56", "1.234,56", "1 234", "twelve". */

const WORDS: Record<string, number> = {
  zero: 0, one: 1, a: 1, an: 1, single: 1, two: 2, couple: 2, pair: 2, three: 3, four: 4, five: 5, six: 6,
  seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, dozen: 12, fifteen: 15, twenty: 20,
  thirty: 30, forty: 40, fifty: 50, hundred: 100,
};

export function wordNumber(word: string): number | null {
  const v = WORDS[word.toLowerCase()];
  return v === undefined ? null : v;
}

/**
 * Reads a numeral with thousands separators in either convention. A single separator followed by
 * exactly three digits is a thousands separator ("1,200", "1.200"); otherwise it is the decimal mark.
 */
export function parseNumeral(raw: string): number | null {
  const s = raw.replace(/[\s\u00a0\u202f']/g, '');
  if (!/^[+-]?\d[\d.,]*$/.test(s)) return null;
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  let normalised: string;
  if (lastDot >= 0 && lastComma >= 0) {
    const decimal = lastDot > lastComma ? '.' : ',';
    const thousands = decimal === '.' ? ',' : '.';
    normalised = s.split(thousands).join('').replace(decimal, '.');
  } else if (lastDot >= 0 || lastComma >= 0) {
    const sep = lastDot >= 0 ? '.' : ',';
    const parts = s.split(sep);
    const thousands = parts.length > 2 || (parts[1].length === 3 && parts[0].replace(/^[+-]/, '') !== '0');
    normalised = thousands ? parts.join('') : parts.join('.');
  } else {
    normalised = s;
  }
  const n = Number(normalised);
  return Number.isFinite(n) ? n : null;
}

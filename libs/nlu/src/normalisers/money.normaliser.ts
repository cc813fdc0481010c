import type { EntityValue } from '@app/contracts';
import { parseNumeral, wordNumber } from './number.parser';

const SYMBOLS: [string, string][] = [
  ['US$', 'USD'], ['C$', 'CAD'], ['A$', 'AUD'], ['R$', 'BRL'], ['$', 'USD'], ['€', 'EUR'], ['£', 'GBP'],
  ['¥', 'JPY'], ['₹', 'INR'], ['₩', 'KRW'], ['₽', 'RUB'], ['₺', 'TRY'], ['₪', 'ILS'], ['zł', 'PLN'],
];
const WORDS: Record<string, string> = {
  dollar: 'USD', dollars: 'USD', bucks: 'USD', euro: 'EUR', euros: 'EUR', pound: 'GBP', pounds: 'GBP',
  yen: 'JPY', rupee: 'INR', rupees: 'INR', franc: 'CHF', francs: 'CHF',
};
const ISO = /\b(USD|EUR|GBP|JPY|CAD|AUD|CHF|CNY|INR|BRL|MXN|SEK|NOK|DKK|PLN|CZK|HUF|NZD|SGD|HKD|ZAR|TRY|KRW|RUB|ILS)\b/i;

function currencyOf(text: string): string | null {
  for (const [symbol, code] of SYMBOLS) if (text.includes(symbol)) return code;
  const iso = ISO.exec(text);
  if (iso) return iso[1].toUpperCase();
  for (const word of text.toLowerCase().split(/[^\p{L}]+/u)) if (WORDS[word]) return WORDS[word];
  return null;
}

/**
 * Money: "$1,234.56", "1.234,56 €", "EUR 20", "30 dollars", "160" (currency null when not said).
 * A "k" suffix ("2k") multiplies by 1000; "cents" alone stays as written.
 */
export function normaliseMoney(text: string, defaultCurrency: string | null = null): EntityValue | null {
  const numeral = /[+-]?\d[\d.,\s\u00a0']*\d|\d/.exec(text);
  let amount: number | null = null;
  if (numeral) {
    amount = parseNumeral(numeral[0].trim());
    if (amount !== null && /^\s*k\b/i.test(text.slice(numeral.index + numeral[0].length))) amount *= 1000;
  } else {
    // Articles count as "one" for quantities ("a box") but not for money ("a lot" is no amount).
    const words = text.split(/\s+/).filter((w) => !/^(a|an)$/i.test(w));
    const word = words.map(wordNumber).find((n) => n !== null);
    amount = word ?? null;
  }
  if (amount === null) return null;
  return { kind: 'money', amount: Math.round(amount * 100) / 100, currency: currencyOf(text) ?? defaultCurrency };
}

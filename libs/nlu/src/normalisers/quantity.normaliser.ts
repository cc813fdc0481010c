import type { EntityValue } from '@app/contracts';
import { parseNumeral, wordNumber } from './number.parser';

// Units a support conversation mentions; "x" as in "3x" means pieces and carries no unit.
const UNITS: Record<string, string> = {
  kg: 'kg', kgs: 'kg', kilo: 'kg', kilos: 'kg', kilogram: 'kg', kilograms: 'kg', g: 'g', gram: 'g', grams: 'g',
  lb: 'lb', lbs: 'lb', pound: 'lb', pounds: 'lb', oz: 'oz', l: 'l', liter: 'l', liters: 'l', litre: 'l', litres: 'l',
  ml: 'ml', m: 'm', cm: 'cm', mm: 'mm', km: 'km', gb: 'GB', tb: 'TB', mb: 'MB',
  item: 'item', items: 'item', piece: 'item', pieces: 'item', pcs: 'item', unit: 'item', units: 'item',
  box: 'box', boxes: 'box', pack: 'pack', packs: 'pack', pair: 'pair', pairs: 'pair',
};

/** Quantities: "3", "3x", "two boxes", "2.5 kg", "a dozen". */
export function normaliseQuantity(text: string): EntityValue | null {
  const t = text.trim().toLowerCase();
  const m = /^(\d[\d.,]*)\s*x?\s*([\p{L}]*)/u.exec(t);
  let value: number | null = null;
  let unitWord = '';
  if (m) {
    value = parseNumeral(m[1]);
    unitWord = m[2];
  } else {
    const words = t.split(/\s+/);
    const idx = words.findIndex((w) => wordNumber(w) !== null);
    if (idx >= 0) {
      value = wordNumber(words[idx]);
      // "a dozen" / "a couple of": the later number word wins over the article.
      const next = words[idx + 1] ? wordNumber(words[idx + 1]) : null;
      if (next !== null) value = next;
      unitWord = words.slice(idx + 1).find((w) => UNITS[w] !== undefined) ?? '';
    }
  }
  if (value === null) return null;
  return { kind: 'quantity', value, unit: UNITS[unitWord] ?? null };
}

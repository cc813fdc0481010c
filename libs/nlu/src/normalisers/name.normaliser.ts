import type { EntityValue } from '@app/contracts';

/**
 * Person names: whitespace collapsed, each part capitalised when the customer typed it all lower- or
 * upper-case ("anna FREEMAN" → "Anna Freeman"); mixed case ("McDonald", "van Dijk") is kept as typed.
 */
export function normaliseName(text: string): EntityValue | null {
  const parts = text.trim().replace(/[,;:!?]+$/, '').split(/\s+/).filter(Boolean);
  if (parts.length === 0 || !parts.some((p) => /\p{L}/u.test(p))) return null;
  const fixed = parts.map((p) => {
    const mixed = p !== p.toLowerCase() && p !== p.toUpperCase();
    if (mixed) return p;
    return p
      .toLowerCase()
      .replace(/(^|[-'’])(\p{L})/gu, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
  });
  return { kind: 'name', value: fixed.join(' ') };
}

/** Free text such as cities, countries or plan names: whitespace collapsed; `lower` for closed vocabularies. */
export function normaliseText(text: string, lower = false): EntityValue | null {
  const value = text.trim().replace(/\s+/g, ' ');
  if (!value) return null;
  return { kind: 'text', value: lower ? value.toLowerCase() : value };
}

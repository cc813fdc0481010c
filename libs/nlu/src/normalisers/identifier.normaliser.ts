import type { EntityValue } from '@app/contracts';

// "#37777", "No. 123", "order number: 12 34" → the bare id. Prefix words are what customers type
// in front of the number; the model's span usually excludes them but not always.
const PREFIX = /^(?:#|no\.?|nr\.?|num(?:ber)?\.?|id\.?)\s*[:#]?\s*/i;

/** Order/ticket/invoice/account ids: no spaces, no leading `#`/`No.`, upper-case. */
export function normaliseIdentifier(text: string): EntityValue | null {
  const value = text.trim().replace(PREFIX, '').replace(/\s+/g, '').toUpperCase();
  return /[\p{L}\p{Nd}]/u.test(value) ? { kind: 'identifier', value } : null;
}

import type { EntityValue } from '@app/contracts';

// Pragmatic shape check (not RFC 5322): one @, a dotted domain, no spaces.
const EMAIL = /^[^\s@<>()[\]",;:]+@[^\s@<>()[\]",;:]+\.[\p{L}]{2,}$/u;

/** Emails: trimmed, mailto: dropped, domain lower-cased (the local part is case-sensitive by RFC). */
export function normaliseEmail(text: string): EntityValue | null {
  const raw = text.trim().replace(/^mailto:/i, '').replace(/[.,;:!?]+$/, '');
  if (!EMAIL.test(raw)) return null;
  const at = raw.lastIndexOf('@');
  return { kind: 'email', value: raw.slice(0, at) + '@' + raw.slice(at + 1).toLowerCase() };
}

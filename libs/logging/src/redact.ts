/**
 * PII redaction for log records. Customer text never belongs in logs, but it leaks in through error messages,
 * validation messages and third-party exceptions; this is the net under those. Over-redaction is the safe
 * mistake here (a log line loses an order number), under-redaction is not.
 */

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/** `scheme://user:password@host` (DATABASE_URL, REDIS_URL in an error message): keep the user, drop the password. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]+@/gi;
/** 13–19 digits, optionally grouped by spaces or dashes; only a Luhn-valid run is a card. */
const CARD = /(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])/g;
/** IBAN-like: country, check digits, 11–30 alphanumerics in optional groups of four; mod-97 checked. */
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g;
/**
 * Phone-like: an optional `+`, digit groups separated by single spaces, dots, dashes or a parenthesised area
 * code. The lookarounds keep it off uuids and hex ids (a digit run glued to a letter or a dash is not a phone).
 */
const PHONE = /(?<![\w+-])(?:\+|\(\d{1,4}\)\s?)?\d(?:[ .-]?\(?\d\)?){5,17}(?![\w-])/g;
const DATE_LIKE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|(?:19|20)\d{6}[-T ])/;

export const REDACTED = { email: '[email]', card: '[card]', iban: '[iban]', phone: '[phone]', secret: '[redacted]' } as const;

/** Replaces emails, Luhn-valid card numbers, IBANs, phone numbers and URL passwords in `text`. Pure. */
export function redact(text: string): string {
  // Cheap exit for the common case (event names, routes, ids): nothing that could be PII.
  if (!/[\d@]/.test(text)) return text;
  return text
    .replace(URL_CREDENTIALS, `$1:${REDACTED.secret}@`)
    .replace(EMAIL, REDACTED.email)
    .replace(CARD, (m) => (luhnValid(m.replace(/\D/g, '')) ? REDACTED.card : m))
    .replace(IBAN, (m) => (ibanValid(m.replace(/ /g, '')) ? REDACTED.iban : m))
    .replace(PHONE, (m) => (isPhoneLike(m) ? REDACTED.phone : m));
}

/**
 * {@link redact} applied to every string inside `value` (objects, arrays, Error fields), to `maxDepth` levels.
 * Returns new objects; the input is not modified. Used on every log record.
 */
export function redactDeep(value: unknown, maxDepth = 8): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object') return value;
  if (maxDepth <= 0) return '[truncated]';
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, maxDepth - 1));
  if (value instanceof Error) {
    return { name: value.name, message: redact(value.message), stack: value.stack === undefined ? undefined : redact(value.stack) };
  }
  // Dates, Buffers and class instances with their own JSON form keep it (serialised, then redacted as text).
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return redactDeep((value as { toJSON: () => unknown }).toJSON(), maxDepth - 1);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = redactDeep(v, maxDepth - 1);
  return out;
}

export function luhnValid(digits: string): boolean {
  if (!/^\d{13,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97 must be 1. */
export function ibanValid(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const chunk = code >= 65 ? String(code - 55) : ch;
    for (const digit of chunk) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

function isPhoneLike(match: string): boolean {
  const digits = match.replace(/\D/g, '').length;
  if (digits < 7 || digits > 15) return false;
  // A date (2026-11-29, 2026.11.29, 20261129-0923 in a version) is not a phone number.
  if (DATE_LIKE.test(match)) return false;
  // A bare run of digits is only a phone when long enough to be one (short ones are counts, codes, ports).
  if (/^\d+$/.test(match)) return digits >= 9;
  return true;
}

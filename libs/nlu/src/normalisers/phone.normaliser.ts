import type { EntityValue } from '@app/contracts';
import { CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';

/** Phone numbers to E.164. Numbers without `+` are read in `defaultCountry` (e.g. 'US'); invalid ones give null. */
export function normalisePhone(text: string, defaultCountry?: CountryCode): EntityValue | null {
  const digits = text.replace(/\D/g, '');
  if (digits.length < 6 || digits.length > 17) return null;
  const parsed = parsePhoneNumberFromString(text.trim(), defaultCountry ? { defaultCountry } : undefined);
  if (!parsed || !parsed.isValid()) return null;
  return { kind: 'phone', value: parsed.number };
}

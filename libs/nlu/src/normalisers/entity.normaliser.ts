import type { EntityValue } from '@app/contracts';
import { normaliseDateTime, DateContext } from './datetime.normaliser';
import { normaliseEmail } from './email.normaliser';
import { normaliseIdentifier } from './identifier.normaliser';
import { normaliseMoney } from './money.normaliser';
import { normaliseName, normaliseText } from './name.normaliser';
import { normalisePhone } from './phone.normaliser';
import { normaliseQuantity } from './quantity.normaliser';

export type NormaliseContext = DateContext;

type Normaliser = (text: string, ctx: NormaliseContext) => EntityValue | null;

const identifier: Normaliser = (t) => normaliseIdentifier(t);
const money: Normaliser = (t) => normaliseMoney(t);
const name: Normaliser = (t) => normaliseName(t);
const freeText: Normaliser = (t) => normaliseText(t);

/** Labels of the default support model plus common aliases from other datasets (ATIS, SNIPS, ABCD). */
const BY_LABEL: Record<string, Normaliser> = {
  order_id: identifier,
  invoice_id: identifier,
  ticket_id: identifier,
  account_id: identifier,
  account_number: identifier,
  tracking_number: identifier,
  person_name: name,
  customer_name: name,
  name,
  refund_amount: money,
  amount: money,
  price: money,
  email: (t) => normaliseEmail(t),
  phone: (t) => normalisePhone(t),
  phone_number: (t) => normalisePhone(t),
  quantity: (t) => normaliseQuantity(t),
  date: (t, c) => normaliseDateTime(t, c),
  time: (t, c) => normaliseDateTime(t, c),
  datetime: (t, c) => normaliseDateTime(t, c),
  account_type: (t) => normaliseText(t, true),
  delivery_city: freeText,
  delivery_country: freeText,
};

// Suffix rules for labels we have not listed ("shipping_date", "ticket_number", "total_price").
const BY_SUFFIX: [RegExp, Normaliser][] = [
  [/(_id|_number|_code)$/, identifier],
  [/(_amount|_price|_cost|_fee)$/, money],
  [/(_date|_time|_day)$/, (t, c) => normaliseDateTime(t, c)],
  [/(_email)$/, (t) => normaliseEmail(t)],
  [/(_phone)$/, (t) => normalisePhone(t)],
  [/(_name)$/, name],
];

/** Unknown labels: try shapes from the most to the least specific. */
function byShape(text: string, ctx: NormaliseContext): EntityValue | null {
  if (text.includes('@')) return normaliseEmail(text) ?? normaliseText(text);
  if (/[$€£¥₹]|\b(USD|EUR|GBP)\b/i.test(text)) return normaliseMoney(text);
  if (/^\s*\+?[\d\s().-]{7,}$/.test(text) && /[\s().+-]/.test(text.trim())) {
    const phone = normalisePhone(text, 'US');
    if (phone) return phone;
  }
  if (/^\s*#?\s*[\p{L}\p{Nd}-]*\d[\p{L}\p{Nd}-]*\s*$/u.test(text) && text.replace(/\D/g, '').length >= 3) {
    return normaliseIdentifier(text);
  }
  return normaliseDateTime(text, ctx) ?? normaliseText(text);
}

/** Typed value for an entity span, chosen by its label where known and by its shape otherwise. */
export function normaliseEntity(label: string, text: string, ctx: NormaliseContext): EntityValue | undefined {
  const direct = BY_LABEL[label] ?? BY_SUFFIX.find(([re]) => re.test(label))?.[1];
  const value = direct ? direct(text, ctx) : byShape(text, ctx);
  return value ?? undefined;
}

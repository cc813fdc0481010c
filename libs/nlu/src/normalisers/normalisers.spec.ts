import { formatInZone, normaliseDateTime, zoneOffsetMinutes } from './datetime.normaliser';
import { normaliseEmail } from './email.normaliser';
import { normaliseEntity } from './entity.normaliser';
import { normaliseIdentifier } from './identifier.normaliser';
import { normaliseMoney } from './money.normaliser';
import { normaliseName, normaliseText } from './name.normaliser';
import { parseNumeral } from './number.parser';
import { normalisePhone } from './phone.normaliser';
import { normaliseQuantity } from './quantity.normaliser';

// Wednesday 2026-11-25 15:30 UTC = 16:30 in Berlin (CET, +01:00).
const REF = new Date('2026-11-25T15:30:00Z');
const ctx = { referenceTime: REF, timeZone: 'Europe/Berlin' };

describe('normaliseIdentifier', () => {
  it.each([
    ['732201349959', '732201349959'],
    ['#37777', '37777'],
    ['No. 12 34', '1234'],
    ['acc-99812', 'ACC-99812'],
    [' inv 2026 0042 ', 'INV20260042'],
  ])('%s → %s', (input, value) => {
    expect(normaliseIdentifier(input)).toEqual({ kind: 'identifier', value });
  });

  it('refuses text without any letter or digit', () => {
    expect(normaliseIdentifier('#')).toBeNull();
  });
});

describe('normaliseEmail', () => {
  it('lower-cases the domain only and drops mailto and trailing punctuation', () => {
    expect(normaliseEmail('mailto:Jane.Doe+x@Example.COM.')).toEqual({ kind: 'email', value: 'Jane.Doe+x@example.com' });
  });

  it.each(['jane@', 'not an email', 'a@b', 'two@@example.com'])('refuses %s', (input) => {
    expect(normaliseEmail(input)).toBeNull();
  });
});

describe('normalisePhone', () => {
  it('reads an international number into E.164', () => {
    expect(normalisePhone('+44 20 7946 0958')).toEqual({ kind: 'phone', value: '+442079460958' });
  });

  it('uses the default country for a national number', () => {
    expect(normalisePhone('(415) 555-2671', 'US')).toEqual({ kind: 'phone', value: '+14155552671' });
  });

  it.each(['12345', '+1 000', 'call me'])('refuses %s', (input) => {
    expect(normalisePhone(input, 'US')).toBeNull();
  });
});

describe('parseNumeral', () => {
  it.each([
    ['1,234.56', 1234.56],
    ['1.234,56', 1234.56],
    ['1,200', 1200],
    ['1.200', 1200],
    ['12,5', 12.5],
    ['0.250', 0.25],
    ['1 000 000', 1000000],
    ['-3', -3],
  ])('%s → %d', (input, value) => {
    expect(parseNumeral(input)).toBe(value);
  });

  it('refuses non-numbers', () => {
    expect(parseNumeral('abc')).toBeNull();
  });
});

describe('normaliseMoney', () => {
  it.each([
    ['$1,234.56', 1234.56, 'USD'],
    ['1.234,56 €', 1234.56, 'EUR'],
    ['EUR 20', 20, 'EUR'],
    ['30 dollars', 30, 'USD'],
    ['£9.99', 9.99, 'GBP'],
    ['2k usd', 2000, 'USD'],
    ['160', 160, null],
    ['twenty euros', 20, 'EUR'],
  ])('%s → %d %s', (input, amount, currency) => {
    expect(normaliseMoney(input)).toEqual({ kind: 'money', amount, currency });
  });

  it('refuses text without an amount', () => {
    expect(normaliseMoney('some money')).toBeNull();
  });
});

describe('normaliseQuantity', () => {
  it.each([
    ['3', 3, null],
    ['3x', 3, null],
    ['2.5 kg', 2.5, 'kg'],
    ['two boxes', 2, 'box'],
    ['a dozen', 12, null],
    ['10 items', 10, 'item'],
  ])('%s → %d %s', (input, value, unit) => {
    expect(normaliseQuantity(input)).toEqual({ kind: 'quantity', value, unit });
  });

  it('refuses text without a number', () => {
    expect(normaliseQuantity('several')).toBeNull();
  });
});

describe('normaliseDateTime', () => {
  it('reads a relative day in the customer zone', () => {
    expect(normaliseDateTime('tomorrow', ctx)).toEqual({ kind: 'datetime', iso: '2026-11-26', grain: 'day' });
  });

  it('uses the zone, not UTC, to decide what "tomorrow" is', () => {
    // 23:30 UTC on the 25th is already the 26th in Tokyo.
    const late = { referenceTime: new Date('2026-11-25T23:30:00Z'), timeZone: 'Asia/Tokyo' };
    expect(normaliseDateTime('tomorrow', late)).toEqual({ kind: 'datetime', iso: '2026-11-27', grain: 'day' });
  });

  it('reads a clock time with the zone offset', () => {
    expect(normaliseDateTime('tomorrow at 5pm', ctx)).toEqual({ kind: 'datetime', iso: '2026-11-26T17:00:00+01:00', grain: 'time' });
  });

  it('formats a summer date with the summer offset', () => {
    expect(normaliseDateTime('July 4 2027 at 9:15', ctx)).toEqual({ kind: 'datetime', iso: '2027-07-04T09:15:00+02:00', grain: 'time' });
  });

  it('reads an absolute date and a weekday (forward)', () => {
    expect(normaliseDateTime('March 3, 2027', ctx)).toEqual({ kind: 'datetime', iso: '2027-03-03', grain: 'day' });
    expect(normaliseDateTime('next friday', ctx)).toMatchObject({ grain: 'day' });
    expect(normaliseDateTime('friday', ctx)).toEqual({ kind: 'datetime', iso: '2026-11-27', grain: 'day' });
  });

  it('reads "in 2 hours" relative to the reference time', () => {
    expect(normaliseDateTime('in 2 hours', ctx)).toEqual({ kind: 'datetime', iso: '2026-11-25T18:30:00+01:00', grain: 'time' });
  });

  it('refuses text without a date', () => {
    expect(normaliseDateTime('my order', ctx)).toBeNull();
  });

  it('computes zone offsets and local formatting', () => {
    expect(zoneOffsetMinutes(REF, 'America/New_York')).toBe(-300);
    expect(zoneOffsetMinutes(REF, 'Asia/Kolkata')).toBe(330);
    expect(formatInZone(REF, 'UTC')).toBe('2026-11-25T15:30:00+00:00');
  });
});

describe('normaliseName / normaliseText', () => {
  it.each([
    ['anna freeman', 'Anna Freeman'],
    ['ANNA  FREEMAN', 'Anna Freeman'],
    ['Ms. Hawkings', 'Ms. Hawkings'],
    ['mary-jane o’neil', 'Mary-Jane O’Neil'],
    ['McDonald', 'McDonald'],
  ])('%s → %s', (input, value) => {
    expect(normaliseName(input)).toEqual({ kind: 'name', value });
  });

  it('refuses names without letters and collapses free text', () => {
    expect(normaliseName('123')).toBeNull();
    expect(normaliseText('  São   Paulo ')).toEqual({ kind: 'text', value: 'São Paulo' });
    expect(normaliseText('Gold', true)).toEqual({ kind: 'text', value: 'gold' });
    expect(normaliseText('  ')).toBeNull();
  });
});

describe('normaliseEntity', () => {
  it.each([
    ['order_id', '#732 201', { kind: 'identifier', value: '732201' }],
    ['invoice_id', '#00108', { kind: 'identifier', value: '00108' }],
    ['person_name', 'anna freeman', { kind: 'name', value: 'Anna Freeman' }],
    ['refund_amount', '$160', { kind: 'money', amount: 160, currency: 'USD' }],
    ['account_type', 'Platinum', { kind: 'text', value: 'platinum' }],
    ['delivery_city', 'Valencia', { kind: 'text', value: 'Valencia' }],
    ['delivery_country', 'USA', { kind: 'text', value: 'USA' }],
    ['shipping_date', 'tomorrow', { kind: 'datetime', iso: '2026-11-26', grain: 'day' }],
    ['ticket_number', 'tk-77', { kind: 'identifier', value: 'TK-77' }],
  ])('maps label %s', (label, text, value) => {
    expect(normaliseEntity(label, text, ctx)).toEqual(value);
  });

  it.each([
    ['jane@example.com', { kind: 'email', value: 'jane@example.com' }],
    ['€ 25', { kind: 'money', amount: 25, currency: 'EUR' }],
    ['+1 415 555 2671', { kind: 'phone', value: '+14155552671' }],
    ['AB-12345', { kind: 'identifier', value: 'AB-12345' }],
    ['next monday', { kind: 'datetime', iso: '2026-11-30', grain: 'day' }],
    ['blue', { kind: 'text', value: 'blue' }],
  ])('falls back to the shape of %s for an unknown label', (text, value) => {
    expect(normaliseEntity('mystery', text, ctx)).toEqual(value);
  });

  it('leaves the value out when the label normaliser fails', () => {
    expect(normaliseEntity('refund_amount', 'a lot', ctx)).toBeUndefined();
  });
});

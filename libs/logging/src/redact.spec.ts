import { ibanValid, luhnValid, redact, redactDeep } from './redact';

describe('redact', () => {
  it.each([
    ['my email is jane.doe+shop@example.co.uk, thanks', 'my email is [email], thanks'],
    ['card 4111 1111 1111 1111 please', 'card [card] please'],
    ['card 4111-1111-1111-1111', 'card [card]'],
    ['amex 378282246310005.', 'amex [card].'],
    ['call +44 20 7946 0958 now', 'call [phone] now'],
    ['call (555) 123-4567', 'call [phone]'],
    ['call 555-123-4567 or 555.123.4567', 'call [phone] or [phone]'],
    ['phone 0612345678', 'phone [phone]'],
    ['iban DE89 3704 0044 0532 0130 00 ok', 'iban [iban] ok'],
    ['iban GB82WEST12345698765432', 'iban [iban]'],
    ['connect postgres://parley:s3cret@db:5432/parley failed', 'connect postgres://parley:[redacted]@db:5432/parley failed'],
    ['redis://:pw@127.0.0.1:6379/6', 'redis://:[redacted]@127.0.0.1:6379/6'],
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it.each([
    ['uuid', 'conversation 3f2a4567-8901-4bcd-9ef0-123456789012 started'],
    ['a non-Luhn 16-digit number (an order id)', 'order 1234567812345678'],
    ['an ISO date', 'since 2026-11-29'],
    ['an ISO timestamp', '2026-11-29T09:23:20.123Z'],
    ['a short number', 'order 12345 shipped, 3 items, port 5432'],
    ['a stack frame', 'at Object.<anonymous> (/work/main/apps/server/src/x.ts:123:45)'],
    ['an invalid IBAN', 'DE00 3704 0044 0532 0130 00'],
    ['a model version', 'model 20261129-0923'],
    ['plain words', 'track my order please'],
  ])('keeps %s', (_name, input) => {
    expect(redact(input)).toBe(input);
  });

  it('redacts several kinds in one string', () => {
    const out = redact('I am bob@example.com, card 5555555555554444, phone +1 415 555 2671');
    expect(out).toBe('I am [email], card [card], phone [phone]');
  });
});

describe('luhnValid / ibanValid', () => {
  it('checks the Luhn sum', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('41111')).toBe(false);
  });

  it('checks the IBAN mod-97', () => {
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('DE88370400440532013000')).toBe(false);
  });
});

describe('redactDeep', () => {
  it('redacts nested strings, arrays and errors without touching the input', () => {
    const input = { event: 'x', user: { email: 'a@b.io' }, list: ['+33 6 12 34 56 78', 7], err: new Error('bad card 4111111111111111'), n: 3, ok: true, nil: null };
    const out = redactDeep(input) as any;
    expect(out).toEqual({
      event: 'x',
      user: { email: '[email]' },
      list: ['[phone]', 7],
      err: { name: 'Error', message: 'bad card [card]', stack: expect.stringContaining('bad card [card]') },
      n: 3,
      ok: true,
      nil: null,
    });
    expect(input.user.email).toBe('a@b.io');
  });

  it('stops at the depth limit', () => {
    expect(redactDeep({ a: { b: { c: 'x' } } }, 2)).toEqual({ a: { b: '[truncated]' } });
  });
});

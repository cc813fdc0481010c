import { COMPANY_FALLBACKS, pickVariant, renderCannedResponse, renderTemplate, slotsIn, UNKNOWN_COMPANY_FALLBACK } from './template-renderer';

describe('renderTemplate', () => {
  it('fills slots and company keys', () => {
    expect(renderTemplate('Order {{order_id}} at {{company.website_name}}.', { order_id: { text: '#12 34', value: { kind: 'identifier', value: '1234' } } }, { website_name: 'Acme' })).toBe('Order 1234 at Acme.');
  });

  it('uses fallback wording for a company key missing from the profile and for unknown keys, never leaking braces', () => {
    const out = renderTemplate('Call {{company.support_phone}} or ask {{company.made_up_key}} about {{order_id}}.', {}, {});
    expect(out).toBe(`Call ${COMPANY_FALLBACKS.support_phone} or ask ${UNKNOWN_COMPANY_FALLBACK} about your order.`);
    expect(out).not.toMatch(/\{\{|\}\}/);
  });

  it('treats an empty profile value as missing', () => {
    expect(renderTemplate('{{company.website_name}}', {}, { website_name: '  ' })).toBe(COMPANY_FALLBACKS.website_name);
  });

  it('inserts values in one pass: a value that looks like a placeholder stays literal', () => {
    const out = renderTemplate('You said {{person_name}}.', { person_name: { text: '{{company.support_phone}} <b>hi</b>' } }, { support_phone: 'SECRET' });
    expect(out).toBe('You said {{company.support_phone}} <b>hi</b>.');
  });

  it('gives a customer who types a Bitext-style placeholder exactly their text back', () => {
    const out = renderTemplate('Invoice for {{person_name}} from {{company.website_name}}.', { person_name: { text: '{{Website Name}}' } }, { website_name: 'Acme' });
    expect(out).toBe('Invoice for {{Website Name}} from Acme.');
  });

  it('flattens newlines and caps very long customer text', () => {
    const out = renderTemplate('[{{person_name}}]', { person_name: { text: `a\nb${'x'.repeat(200)}` } }, {});
    expect(out).not.toContain('\n');
    expect(out.length).toBeLessThanOrEqual(82);
  });

  it('formats money values with their currency', () => {
    expect(renderTemplate('{{refund_amount}}', { refund_amount: { text: '$5', value: { kind: 'money', amount: 5, currency: 'USD' } } }, {})).toBe('5.00 USD');
  });
});

describe('slotsIn / pickVariant', () => {
  it('lists slot labels but not company keys', () => {
    expect(slotsIn('{{order_id}} {{company.name}} {{ invoice_id }} {{order_id}}')).toEqual(['order_id', 'invoice_id']);
  });

  it('walks through all variants over consecutive turns', () => {
    const seen = new Set([0, 1, 2, 3, 4].map((t) => pickVariant(5, 'conv-1:tpl', t)));
    expect(seen.size).toBe(5);
    expect(() => pickVariant(0, 's', 1)).toThrow(RangeError);
  });
});

describe('renderCannedResponse', () => {
  it("fills the agent's name and the company facts, with the same fallbacks as templates", () => {
    expect(renderCannedResponse('Hi, {{agent.name}} from {{ company.name }} here. Call {{company.support_phone}}.', { name: 'Acme' }, 'Alex')).toBe(
      `Hi, Alex from Acme here. Call ${COMPANY_FALLBACKS.support_phone}.`,
    );
  });

  it('inserts values as they are, never scanning them again, and leaves other placeholders as written', () => {
    expect(renderCannedResponse('{{agent.name}} / {{order_id}}', { name: 'Acme' }, '{{company.name}}')).toBe('{{company.name}} / {{order_id}}');
  });
});

import { readFileSync } from 'node:fs';
import { ASKS_FOR_DETAILS, hasSubstance, UNSUPPORTED_CLAIMS } from '../../scripts/content/content-rules';

/**
 * The shipped answer templates (content/templates.json, built by scripts/content/build-content.ts from Bitext's
 * responses) say something a customer can use. Bitext's responses often open with an acknowledgement, and a
 * chat-sized cut of one could keep nothing else ("I understand you want a rebate of $50. Allow me to assist you
 * with that."), ask for details nothing reads ("kindly share your order number"), or promise what the bot never
 * does ("just a moment while I pull up the details from our system").
 */
describe('shipped answer templates', () => {
  const templates: Array<{ intent: string; variants: string[]; source: string }> = JSON.parse(readFileSync('content/templates.json', 'utf8'));
  const bitext = templates.filter((t) => t.source === 'bitext').flatMap((t) => t.variants.map((v) => [t.intent, v] as const));

  it('answer something, ask for nothing the bot would not read, and promise nothing it cannot do', () => {
    expect(bitext.length).toBeGreaterThan(100);
    expect(bitext.filter(([, v]) => !hasSubstance(v))).toEqual([]);
    expect(bitext.filter(([, v]) => ASKS_FOR_DETAILS.test(v))).toEqual([]);
    expect(bitext.filter(([, v]) => UNSUPPORTED_CLAIMS.test(v))).toEqual([]);
  });

  it('every intent keeps at least three variants', () => {
    for (const t of templates.filter((x) => x.source === 'bitext')) expect([t.intent, t.variants.length >= 3]).toEqual([t.intent, true]);
  });

  it.each([
    ["I understand that you're looking to rebate ${{refund_amount}}. Allow me to assist you with that.", false],
    ['Certainly! I\'m here to help you with information regarding a delivery address change.', false],
    ["I'm here to help you with your question regarding your {{account_type}} account. How can I assist you?", false],
    ['You are seeking assistance in canceling order {{order_id}}. I\'m ready to guide you and provide the necessary support.', false],
    ['I understand your request to cancel order {{order_id}}. In short: 1) log in, 2) open My Orders, 3) press Cancel.', true],
    ["Here's how: 1) log in to your account, 2) open Payment Methods.", true],
    ['We accept Visa, Mastercard and PayPal.', true],
    ['I understand. You can change it under My Account > Addresses.', true],
  ])('hasSubstance(%j) is %s', (reply, expected) => {
    expect(hasSubstance(reply)).toBe(expected);
  });
});

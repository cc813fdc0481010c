import { validateArticle, validateCannedResponse, validateTemplate } from './content-validation';

describe('validateTemplate', () => {
  it('accepts a minimal template and defaults name, enabled and webhook', () => {
    const out = validateTemplate({ intent: 'track_order', variants: ['Hi {{order_id}}'], required_entities: ['order_id'], prompts: { order_id: 'Number?' } }, 1, 'import');
    expect(out.errors).toEqual([]);
    expect(out.value).toEqual({ intent: 'track_order', name: 'track_order', variants: ['Hi {{order_id}}'], requiredEntities: ['order_id'], prompts: { order_id: 'Number?' }, enabled: true, webhook: false, source: 'import' });
    expect(validateTemplate({ intent: 'track_order', variants: ['x'], webhook: true }, 1, 'user').value?.webhook).toBe(true);
  });

  it('reports every problem of a row with its field', () => {
    const out = validateTemplate({ intent: 'bad intent!', variants: [], required_entities: ['Order-ID'], prompts: { other: 'x' }, enabled: 'yes', webhook: 'on' }, 7, 'import');
    expect(out.value).toBeNull();
    expect(out.errors.map((e) => [e.row, e.field])).toEqual([
      [7, 'intent'],
      [7, 'variants'],
      [7, 'required_entities'],
      [7, 'prompts'],
      [7, 'enabled'],
      [7, 'webhook'],
    ]);
  });

  it('rejects a non-object', () => {
    expect(validateTemplate('nope', 2, 'user').errors).toEqual([{ row: 2, field: null, message: 'must be an object' }]);
  });
});

describe('validateArticle', () => {
  it('accepts an article with a null intent', () => {
    const out = validateArticle({ slug: 'how-to-x', title: 'How to X', body: 'Do X.', intent: null, questions: ['how do I x?'] }, 1, 'user');
    expect(out.value).toMatchObject({ slug: 'how-to-x', intent: null, source: 'user' });
  });

  it('rejects a bad slug and oversized fields', () => {
    const out = validateArticle({ slug: 'Has Spaces', title: 'x'.repeat(301), body: '', questions: 'q' }, 3, 'import');
    expect(out.errors.map((e) => e.field)).toEqual(['slug', 'title', 'body', 'questions']);
  });
});

describe('validateCannedResponse', () => {
  it('takes the short code as the agent types it (a leading slash, any case) and defaults the title to it', () => {
    const out = validateCannedResponse({ short_code: ' /Refund-Time ', text: ' Refunds take 5 to 10 days. — {{agent.name}}, {{company.name}} ' }, 1, 2000);
    expect(out.errors).toEqual([]);
    expect(out.value).toEqual({ shortCode: 'refund-time', title: 'refund-time', text: 'Refunds take 5 to 10 days. — {{agent.name}}, {{company.name}}' });
  });

  it('refuses a bad short code, a text longer than an agent may send, and placeholders nothing fills', () => {
    const out = validateCannedResponse({ short_code: 'no spaces', title: 7, text: 'x'.repeat(11) }, 3, 10);
    expect(out.value).toBeNull();
    expect(out.errors.map((e) => [e.row, e.field])).toEqual([
      [3, 'short_code'],
      [3, 'title'],
      [3, 'text'],
    ]);
    const slot = validateCannedResponse({ short_code: 'track', text: 'Order {{order_id}} for {{ customer.name }} from {{company.name}}' }, 1, 2000);
    expect(slot.errors).toEqual([{ row: 1, field: 'text', message: expect.stringContaining('{{order_id}}, {{ customer.name }}') }]);
    expect(validateCannedResponse({ short_code: 'x'.repeat(41), text: 'hi' }, 1, 2000).errors.map((e) => e.field)).toEqual(['short_code']);
    expect(validateCannedResponse({ short_code: '-dash', text: 'hi' }, 1, 2000).errors.map((e) => e.field)).toEqual(['short_code']);
    expect(validateCannedResponse({ text: 'hi' }, 1, 2000).errors.map((e) => e.field)).toEqual(['short_code']);
  });
});

import { validateArticle, validateTemplate } from './content-validation';

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

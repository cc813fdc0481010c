import { ValidationFailedError } from '@app/contracts';
import { checkSpans } from './review.service';

describe('checkSpans (entity spans a reviewer sends)', () => {
  const text = 'cancel order 12345678 for Ann';

  it('accepts spans inside the text, in any order, touching but not overlapping', () => {
    expect(() => checkSpans(text, [{ start: 26, end: 29, label: 'person_name' }, { start: 13, end: 21, label: 'order_id' }])).not.toThrow();
    expect(() => checkSpans(text, [{ start: 0, end: 6, label: 'a' }, { start: 6, end: 12, label: 'b' }])).not.toThrow();
    expect(() => checkSpans(text, [])).not.toThrow();
  });

  it.each([
    ['past the end', [{ start: 20, end: 30, label: 'x' }]],
    ['empty', [{ start: 5, end: 5, label: 'x' }]],
    ['negative', [{ start: -1, end: 3, label: 'x' }]],
    ['not an integer', [{ start: 1.5, end: 3, label: 'x' }]],
    ['overlapping', [{ start: 0, end: 8, label: 'a' }, { start: 7, end: 12, label: 'b' }]],
    ['a label with spaces', [{ start: 0, end: 6, label: 'order id' }]],
  ])('refuses a span %s', (_, spans) => {
    expect(() => checkSpans(text, spans)).toThrow(ValidationFailedError);
  });
});

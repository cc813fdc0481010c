import { payloadProblem } from './payload-check';

describe('payloadProblem', () => {
  const nest = (levels: number) => {
    let v: unknown = 'x';
    for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { text: v };
    return v;
  };

  it('accepts ordinary payloads, scalars, emoji and binary', () => {
    expect(payloadProblem({ clientMessageId: 'a', text: 'hi 🙂 ünï', meta: { a: [1, 2] } })).toBeNull();
    expect(payloadProblem('text')).toBeNull();
    expect(payloadProblem(null)).toBeNull();
    expect(payloadProblem(Buffer.alloc(10))).toBeNull();
  });

  it('draws the depth line at the limit', () => {
    expect(payloadProblem(nest(32), 32)).toBeNull();
    expect(payloadProblem(nest(33), 32)).toMatch(/nested deeper than 32/);
  });

  it('handles nesting far deeper than the call stack allows', () => {
    expect(payloadProblem(nest(200_000))).toMatch(/nested deeper/);
  });

  it('refuses lone surrogates in values and keys', () => {
    expect(payloadProblem({ text: 'a\uD800b' })).toMatch(/not valid Unicode/);
    expect(payloadProblem({ text: '\uDC00' })).toMatch(/not valid Unicode/);
    expect(payloadProblem([{ ['k\uD83D']: 1 }])).toMatch(/not valid Unicode/);
    expect(payloadProblem({ text: '\uD83D\uDE42' })).toBeNull();
  });
});

import { nestedDeeperThan } from './payload-depth';

describe('nestedDeeperThan', () => {
  const nest = (levels: number) => {
    let v: unknown = 'x';
    for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { text: v };
    return v;
  };

  it('accepts ordinary payloads and scalars', () => {
    expect(nestedDeeperThan({ clientMessageId: 'a', text: 'hi', meta: { a: [1, 2] } })).toBe(false);
    expect(nestedDeeperThan('text')).toBe(false);
    expect(nestedDeeperThan(null)).toBe(false);
    expect(nestedDeeperThan(Buffer.alloc(10))).toBe(false);
  });

  it('draws the line at the limit', () => {
    expect(nestedDeeperThan(nest(32), 32)).toBe(false);
    expect(nestedDeeperThan(nest(33), 32)).toBe(true);
  });

  it('handles nesting far deeper than the call stack allows', () => {
    expect(nestedDeeperThan(nest(200_000))).toBe(true);
  });
});

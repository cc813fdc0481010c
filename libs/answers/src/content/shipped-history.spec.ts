import { parseSuperseded, supersede, variantsHash } from './shipped-history';

describe('supersede (the variant sets earlier versions shipped)', () => {
  const v1 = [{ intent: 'track_order', variants: ['Old answer.'] }, { intent: 'greet', variants: ['Hi!'] }];
  const v2 = [{ intent: 'track_order', variants: ['New answer.'] }, { intent: 'greet', variants: ['Hi!'] }];

  it('records what an intent shipped before its variants changed, and nothing for an unchanged one', () => {
    expect(supersede({}, v1, v2)).toEqual({ track_order: [variantsHash(['Old answer.'])] });
  });

  it('keeps every earlier version once, oldest first', () => {
    const v3 = [{ intent: 'track_order', variants: ['Newer answer.'] }];
    const history = supersede(supersede({}, v1, v2), v2, v3);
    expect(history).toEqual({ track_order: [variantsHash(['Old answer.']), variantsHash(['New answer.'])] });
    expect(supersede(history, v3, v3)).toEqual(history);
  });

  it('drops a set that ships again (it is current, not earlier)', () => {
    expect(supersede(supersede({}, v1, v2), v2, v1)).toEqual({ track_order: [variantsHash(['New answer.'])] });
  });

  it('records nothing for an intent the new file drops (no template to refresh it with)', () => {
    expect(supersede({}, v1, [v2[1]])).toEqual({});
  });

  it('hashes the order of the variants too (a reordered set was edited)', () => {
    expect(variantsHash(['a', 'b'])).not.toBe(variantsHash(['b', 'a']));
  });
});

describe('parseSuperseded', () => {
  it('accepts an object of sha256 hex arrays', () => {
    const data = { track_order: [variantsHash(['x'])] };
    expect(parseSuperseded(data, 'f.json')).toEqual(data);
  });

  it.each([[[]], [null], [{ track_order: 'abc' }], [{ track_order: ['not-a-hash'] }]])('refuses %j, naming the file', (data) => {
    expect(() => parseSuperseded(data, 'content/templates.previous.json')).toThrow(/content\/templates\.previous\.json/);
  });
});

import { TurnContextCache } from './turn-context';

describe('TurnContextCache', () => {
  it('hands the context to the message right after the remembered reply, once', () => {
    const sut = new TurnContextCache();
    sut.remember('c1', { seq: 4, slot: null, route: 'template' });
    expect(sut.take('c1', 5)).toEqual({ seq: 4, slot: null, route: 'template' });
    expect(sut.take('c1', 5)).toBeNull();
  });

  it('refuses (and drops) the context when anything took a seq in between', () => {
    const sut = new TurnContextCache();
    sut.remember('c1', { seq: 4, slot: null, route: 'template' });
    expect(sut.take('c1', 6)).toBeNull();
    expect(sut.size).toBe(0);
  });

  it('knows nothing about other conversations', () => {
    const sut = new TurnContextCache();
    sut.remember('c1', { seq: 4, slot: null, route: 'template' });
    expect(sut.take('c2', 5)).toBeNull();
    expect(sut.size).toBe(1);
  });

  it('forgets the least recently remembered conversation beyond its capacity', () => {
    const sut = new TurnContextCache(2);
    sut.remember('a', { seq: 1, slot: null, route: 'template' });
    sut.remember('b', { seq: 1, slot: null, route: 'template' });
    sut.remember('a', { seq: 3, slot: null, route: 'template' });
    sut.remember('c', { seq: 1, slot: null, route: 'template' });
    expect(sut.size).toBe(2);
    expect(sut.take('b', 2)).toBeNull();
    expect(sut.take('a', 4)).toEqual({ seq: 3, slot: null, route: 'template' });
    expect(sut.take('c', 2)).toEqual({ seq: 1, slot: null, route: 'template' });
  });
});

import { KeyedMutex } from './keyed-mutex';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('KeyedMutex', () => {
  it('runs tasks of one key in order, one at a time, and other keys concurrently', async () => {
    const sut = new KeyedMutex();
    const order: string[] = [];
    const gate = deferred();
    const a1 = sut.run('a', async () => {
      order.push('a1 start');
      await gate.promise;
      order.push('a1 end');
    });
    const a2 = sut.run('a', async () => {
      order.push('a2');
    });
    const b1 = sut.run('b', async () => {
      order.push('b1');
    });
    await b1;
    expect(order).toEqual(['a1 start', 'b1']);
    gate.resolve();
    await Promise.all([a1, a2]);
    expect(order).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });

  it('keeps going after a task fails and forgets idle keys', async () => {
    const sut = new KeyedMutex();
    await expect(sut.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(sut.run('a', async () => 42)).resolves.toBe(42);
    await sut.drain();
    await Promise.resolve();
    expect(sut.size).toBe(0);
  });
});

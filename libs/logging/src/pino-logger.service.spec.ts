import { PinoLoggerService } from './pino-logger.service';

/** The real pino logger writing into memory: what would reach stdout. */
function capture(): { sut: PinoLoggerService; lines: () => Record<string, unknown>[]; raw: () => string } {
  const chunks: string[] = [];
  const sut = new PinoLoggerService('info', { write: (s: string) => void chunks.push(s) });
  return { sut, raw: () => chunks.join(''), lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l)) };
}

describe('PinoLoggerService redaction', () => {
  it('redacts PII in every string field, nested ones and the message', () => {
    const { sut, raw, lines } = capture();
    sut.log({ event: 'x', detail: 'mail jane@example.com', nested: { list: ['call +44 20 7946 0958'] } });
    sut.pino.info('card 4111 1111 1111 1111 from bob@example.org');
    sut.error(new Error('postgres://parley:hunter2@db/parley refused'));
    expect(raw()).not.toMatch(/jane@example\.com|7946|4111|bob@example|hunter2/);
    const [first, second, third] = lines();
    expect(first).toMatchObject({ event: 'x', detail: 'mail [email]', nested: { list: ['call [phone]'] } });
    expect(second.msg).toBe('card [card] from [email]');
    expect((third.err as { message: string }).message).toBe('postgres://parley:[redacted]@db/parley refused');
  });

  it('drops secret fields whatever they hold', () => {
    const { sut, lines } = capture();
    sut.log({ event: 'login', password: 'pw', token: 'abc', req: { authorization: 'Bearer x', headers: { cookie: 'sid=1', 'x-parley-conversation-token': 'secret' } }, text: 'hello' });
    expect(lines()[0]).toMatchObject({
      password: '[redacted]',
      token: '[redacted]',
      req: { authorization: '[redacted]', headers: { cookie: '[redacted]', 'x-parley-conversation-token': '[redacted]' } },
      text: '[redacted]',
    });
  });

  it('keeps ordinary fields as they are', () => {
    const { sut, lines } = capture();
    sut.log({ event: 'turn', conversationId: '3f2a4567-8901-4bcd-9ef0-123456789012', ms: 12.5, route: 'template' });
    expect(lines()[0]).toMatchObject({ event: 'turn', conversationId: '3f2a4567-8901-4bcd-9ef0-123456789012', ms: 12.5, route: 'template' });
  });
});

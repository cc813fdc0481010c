import { clientIp } from './client-ip';

const req = (remoteAddress: string, xff?: string) => ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as any;

describe('clientIp', () => {
  it('uses the TCP peer unless a proxy is trusted (a client cannot pick its IP)', () => {
    expect(clientIp(req('::ffff:10.0.0.9', '1.2.3.4'), false)).toBe('10.0.0.9');
  });

  it('takes the original client behind trusted proxies', () => {
    expect(clientIp(req('10.0.0.1', '1.2.3.4, 10.0.0.2'), true)).toBe('1.2.3.4');
    // One trusted hop: the entry the load balancer appended; whatever the client put before it is ignored.
    expect(clientIp(req('10.0.0.1', 'spoofed, 5.6.7.8'), 1)).toBe('5.6.7.8');
    expect(clientIp(req('10.0.0.1'), 1)).toBe('10.0.0.1');
  });
});

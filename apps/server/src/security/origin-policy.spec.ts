import { isOriginAllowed } from './origin-policy';

describe('isOriginAllowed', () => {
  const list = ['self', 'localhost', 'https://shop.example.com'];

  it.each([
    ['no Origin header (not a browser)', undefined, 'parley.example.com', true],
    ['the exact allowed origin', 'https://shop.example.com', 'parley.example.com', true],
    ['the allowed origin with its default port', 'https://shop.example.com:443', 'parley.example.com', true],
    ['same origin (self)', 'https://parley.example.com', 'parley.example.com', true],
    ['localhost on any port', 'http://localhost:5173', 'parley.example.com', true],
    ['127.0.0.1', 'http://127.0.0.1:3000', 'x', true],
    ['another site', 'https://evil.example', 'parley.example.com', false],
    ['a look-alike subdomain', 'https://shop.example.com.evil.example', 'parley.example.com', false],
    ['another scheme of the allowed host', 'http://shop.example.com', 'parley.example.com', false],
    ['the opaque null origin', 'null', 'parley.example.com', false],
    ['a file origin', 'file://', 'parley.example.com', false],
    ['self without a Host header', 'https://parley.example.com', undefined, false],
  ])('%s', (_name, origin, host, expected) => {
    expect(isOriginAllowed(list, origin, host)).toBe(expected);
  });

  it('allows anything only with *', () => {
    expect(isOriginAllowed('*', 'https://evil.example', 'x')).toBe(true);
    expect(isOriginAllowed([], 'https://evil.example', 'x')).toBe(false);
    expect(isOriginAllowed(['https://shop.example.com'], 'http://localhost:3000', 'localhost:3000')).toBe(false);
  });
});

import { createHmac } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppConfig } from '@app/config';
import type { FulfillmentRequest } from '@app/contracts';
import { checkResponse, FULFILLMENT_LIMITS, FulfillmentClient, signature } from './fulfillment.client';

describe('checkResponse', () => {
  it('takes a text, buttons and a handoff, trimmed, and ignores other fields', () => {
    expect(checkResponse(JSON.stringify({ text: ' Order 1 ships today. ', suggestions: [' Track it '], handoff: false, extra: 1 }))).toEqual({
      text: 'Order 1 ships today.',
      suggestions: ['Track it'],
      handoff: false,
    });
    expect(checkResponse(JSON.stringify({ handoff: true }))).toEqual({ text: null, suggestions: [], handoff: true });
  });

  it.each([
    ['not json', 'response is not JSON'],
    ['[1]', 'response is not a JSON object'],
    ['{}', 'response has neither "text" nor "handoff": true'],
    ['{"text": "  "}', 'response has neither "text" nor "handoff": true'],
    ['{"text": 5}', '"text" must be a string'],
    ['{"text": "a", "handoff": "yes"}', '"handoff" must be true or false'],
    ['{"text": "a", "suggestions": "b"}', '"suggestions" must be an array of non-empty strings of at most 200 characters'],
    ['{"text": "a", "suggestions": ["a", "b", "c", "d"]}', '"suggestions" has more than 3 items'],
    ['a text of 4001 characters', '"text" is longer than 4000 characters'],
  ])('refuses %s', (raw, error) => {
    if (raw.startsWith('a text of')) raw = JSON.stringify({ text: 'x'.repeat(FULFILLMENT_LIMITS.textChars + 1) });
    expect(checkResponse(raw)).toEqual({ error });
  });
});

describe('signature', () => {
  it('is the HMAC-SHA256 of "<t>.<body>" with the secret', () => {
    const mac = createHmac('sha256', 'k'.repeat(16)).update('1700000000.{"a":1}').digest('hex');
    expect(signature('k'.repeat(16), '{"a":1}', 1_700_000_000)).toBe(`t=1700000000,v1=${mac}`);
  });
});

describe('FulfillmentClient', () => {
  let server: Server;
  let url: string;
  let respond: (res: import('node:http').ServerResponse) => void;
  const request = { version: 1, conversationId: 'c', messageId: 'm', text: 't', intent: { name: 'i', confidence: 1 }, template: { id: 'x', name: 'X' }, slots: {}, entities: [], modelVersion: 'v', customer: null } as FulfillmentRequest;
  const client = (timeoutMs = 2000, target = url) => new FulfillmentClient({ fulfillment: { url: target, secret: 's'.repeat(16), timeoutMs } } as AppConfig);

  beforeAll(async () => {
    server = createServer((req, res) => req.resume().on('end', () => respond(res)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('returns the checked answer', async () => {
    respond = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"done"}');
    expect(await client().call(request)).toMatchObject({ ok: true, text: 'done', suggestions: [], handoff: false });
  });

  it('does not follow a redirect', async () => {
    respond = (res) => res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
    expect(await client().call(request)).toMatchObject({ ok: false, reason: 'http_status', status: 302 });
  });

  it('stops reading a body over the size cap', async () => {
    respond = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text: 'x'.repeat(FULFILLMENT_LIMITS.responseBytes) }));
    expect(await client().call(request)).toMatchObject({ ok: false, reason: 'invalid_response', detail: 'response body over 65536 bytes' });
  });

  it('gives up after the timeout, and reports a refused connection', async () => {
    respond = () => undefined;
    expect(await client(150).call(request)).toMatchObject({ ok: false, reason: 'timeout', detail: 'no response within 150 ms' });
    // A port nothing listens on: one the system gave out and took back.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await client(2000, `http://127.0.0.1:${port}/hook`).call(request)).toMatchObject({ ok: false, reason: 'network', detail: 'ECONNREFUSED' });
  });
});

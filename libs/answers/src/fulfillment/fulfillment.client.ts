import { Inject, Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { APP_CONFIG, AppConfig } from '@app/config';
import type { FulfillmentFailure, FulfillmentOutcome, FulfillmentRequest } from '@app/contracts';

/** Longest reply text, and most and longest buttons, a webhook may return. */
export const FULFILLMENT_LIMITS = { textChars: 4000, suggestions: 3, suggestionChars: 200, responseBytes: 64 * 1024 } as const;

/**
 * Calls the operator's fulfillment webhook (FULFILLMENT_URL), like Dialogflow's fulfillment or a Rasa action server:
 * one signed JSON POST per turn, bounded by FULFILLMENT_TIMEOUT_MS, never redirected, the response size-capped and
 * checked. It never throws: every failure comes back as a typed outcome.
 */
@Injectable()
export class FulfillmentClient {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get enabled(): boolean {
    return this.config.fulfillment.url !== null;
  }

  async call(request: FulfillmentRequest): Promise<FulfillmentOutcome> {
    const { url, secret, timeoutMs } = this.config.fulfillment;
    const started = performance.now();
    const failed = (reason: FulfillmentFailure, detail: string, status: number | null = null): FulfillmentOutcome => ({ ok: false, reason, status, detail, ms: performance.now() - started });
    if (!url) return failed('network', 'FULFILLMENT_URL is not set');
    const body = JSON.stringify(request);
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Parley-Fulfillment/1',
          'x-parley-signature': signature(secret ?? '', body, Math.floor(Date.now() / 1000)),
        },
        body,
        redirect: 'manual',
        signal,
      });
      const raw = await readCapped(res, FULFILLMENT_LIMITS.responseBytes);
      if (res.status < 200 || res.status >= 300) return failed('http_status', `HTTP ${res.status}`, res.status);
      if (raw === null) return failed('invalid_response', `response body over ${FULFILLMENT_LIMITS.responseBytes} bytes`, res.status);
      const checked = checkResponse(raw);
      if ('error' in checked) return failed('invalid_response', checked.error, res.status);
      return { ok: true, ...checked, ms: performance.now() - started };
    } catch (error) {
      if (signal.aborted) return failed('timeout', `no response within ${timeoutMs} ms`);
      // fetch's own message is "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND, "bad port", …).
      const e = error as Error & { cause?: { code?: string; message?: string } };
      return failed('network', e.cause?.code ?? e.cause?.message ?? e.message);
    }
  }
}

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver recomputes it with the shared secret and
 * refuses an old `t`, so a captured request cannot be replayed later.
 */
export function signature(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** The body as text, or null when it is longer than `max` bytes (read no further). */
async function readCapped(res: Response, max: number): Promise<string | null> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `{text?, suggestions?, handoff?}`: a text or a handoff is required; everything else in the object is ignored. */
export function checkResponse(raw: string): { text: string | null; suggestions: string[]; handoff: boolean } | { error: string } {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return { error: 'response is not JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { error: 'response is not a JSON object' };
  const { text, suggestions, handoff } = body as Record<string, unknown>;
  if (handoff !== undefined && typeof handoff !== 'boolean') return { error: '"handoff" must be true or false' };
  if (text !== undefined && text !== null && typeof text !== 'string') return { error: '"text" must be a string' };
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (trimmed.length > FULFILLMENT_LIMITS.textChars) return { error: `"text" is longer than ${FULFILLMENT_LIMITS.textChars} characters` };
  if (trimmed === '' && handoff !== true) return { error: 'response has neither "text" nor "handoff": true' };
  const buttons = suggestions ?? [];
  if (!Array.isArray(buttons) || buttons.some((s) => typeof s !== 'string' || s.trim() === '' || s.length > FULFILLMENT_LIMITS.suggestionChars)) {
    return { error: `"suggestions" must be an array of non-empty strings of at most ${FULFILLMENT_LIMITS.suggestionChars} characters` };
  }
  if (buttons.length > FULFILLMENT_LIMITS.suggestions) return { error: `"suggestions" has more than ${FULFILLMENT_LIMITS.suggestions} items` };
  return { text: trimmed === '' ? null : trimmed, suggestions: (buttons as string[]).map((s) => s.trim()), handoff: handoff === true };
}

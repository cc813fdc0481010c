import { PinoLoggerService } from '@app/logging';
import { bootTestApp, TestApp } from '@app/testing';

/**
 * CHAT_HANDOFF_INTENTS can name an intent the model does not have (a typo, a model trained without it): it would
 * never hand anything over, and the configuration check at start-up cannot see that. The server says so when the
 * model becomes active.
 */
jest.setTimeout(120_000);

describe('CHAT_HANDOFF_INTENTS against the active model', () => {
  let t: TestApp | undefined;
  const lines: string[] = [];

  afterAll(async () => {
    await t?.close();
  });

  it('warns, once the model is loaded, about a handoff intent the model does not know', async () => {
    const logger = new PinoLoggerService('warn', { write: (line: string) => void lines.push(line) });
    t = await bootTestApp({ kind: 'pglite' }, { LOG_LEVEL: 'warn', CHAT_HANDOFF_INTENTS: 'contact_human_agent,talk_to_a_human' }, { logger });
    const warnings = lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'chat.handoff_intents_unknown');
    expect(warnings).toEqual([expect.objectContaining({ unknown: ['talk_to_a_human'], version: expect.any(String) })]);
  });
});

import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { Client } from 'pg';
import type { SendMessageResult } from '@app/contracts';
import { bootTestApp, DEFAULT_TEST_DATABASE_URL, requestOk, startConversation, TestApp, truncateChat, until, WidgetSocket } from '@app/testing';
import { launchBrowser, openPage, UI_TIMEOUT, widget } from './browser.helper';

/**
 * The widget when the server refuses a send with BUSY (admission control), in headless Chromium against the real
 * server on PostgreSQL: the test holds one turn (it takes that conversation's turn lock, as another instance
 * working on it would), so with CHAT_MAX_BACKLOG=1 the widget's message is refused until the lock is released.
 * The message must stay "Sending…" (nothing alarming, never dropped), be stored once and answered once.
 */
jest.setTimeout(300_000);

/** First key of the turn's advisory lock (TurnRepository's TURN_LOCK_CLASS). */
const TURN_LOCK_CLASS = 0x5054;

describe('widget under admission control (browser, PostgreSQL)', () => {
  let t: TestApp;
  let browser: Browser;
  let lock: Client;
  let socket: WidgetSocket | undefined;

  beforeAll(async () => {
    [t, browser] = await Promise.all([bootTestApp({ kind: 'postgres' }, { CHAT_MAX_BACKLOG: '1' }), launchBrowser()]);
    lock = new Client({ connectionString: process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL });
    await lock.connect();
    await t.drainTurns();
    await truncateChat(t.dataSource);
  });

  afterAll(async () => {
    socket?.disconnect();
    await lock?.end();
    await browser?.close();
    await t?.close();
  });

  const refusedSoFar = async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    return Number(/parley_admission_refused_total\{reason="backlog"\} (\d+)/.exec(text)?.[1] ?? 0);
  };

  it('keeps a refused message "Sending…" and delivers it once the server has room', async () => {
    // Another customer's turn, held: its conversation lock is taken by the test before the message arrives.
    const other = await startConversation(t.url);
    socket = other.socket;
    await lock.query('SELECT pg_advisory_lock($1::int, hashtext($2))', [TURN_LOCK_CLASS, other.conversation.conversationId]);
    await requestOk<SendMessageResult>(socket, 'message:send', { clientMessageId: randomUUID(), text: 'where is my order 732201349959' });

    const { page, problems } = await openPage(browser);
    await page.goto(`${t.url}/demo`);
    const w = widget(page);
    await w.open();
    const text = `how do I reset my password ${randomUUID().slice(0, 8)}`;
    await w.input.fill(text);
    await w.input.press('Enter');
    const bubble = w.customer.first();

    await until('a BUSY refusal', async () => (await refusedSoFar()) >= 1, UI_TIMEOUT);
    expect(await bubble.getAttribute('data-state')).toBe('sending');
    expect(await bubble.locator('.state').textContent()).toBe('Sending…');
    expect(await w.alert.isVisible()).toBe(false);
    const stored = async () => (await t.dataSource.query(`SELECT "id" FROM "message" WHERE "text" = $1`, [text])) as Array<{ id: string }>;
    expect(await stored()).toEqual([]);

    // The held turn is answered; the widget's next resend (same clientMessageId) is accepted and answered.
    await lock.query('SELECT pg_advisory_unlock($1::int, hashtext($2))', [TURN_LOCK_CLASS, other.conversation.conversationId]);
    await bubble.and(page.locator('[data-state="sent"]')).waitFor();
    await w.bot.first().waitFor();
    await t.drainTurns();
    const rows = await stored();
    expect(rows).toHaveLength(1);
    const [{ replies }] = await t.dataSource.query(`SELECT count(*)::int AS "replies" FROM "message" WHERE "reply_to_id" = $1 AND "author" = 'bot'`, [rows[0].id]);
    expect(replies).toBe(1);
    expect(await w.customer.count()).toBe(1);
    expect(problems).toEqual([]);
  });
});

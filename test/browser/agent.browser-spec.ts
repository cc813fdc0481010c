import type { Browser } from 'playwright-core';
import { COMPANY_PROFILE } from '@app/answers';
import type { ReviewDetailView, ReviewPage } from '@app/contracts';
import { bearer, callApi, ensureUser, login, signIn, TEST_PASSWORD, TestApp, truncateChat } from '@app/testing';
import {
  fallbackText,
  openPage,
  overflowing,
  PHONE,
  screenshot,
  signInPage,
  useServerAndBrowser,
  widget,
} from './browser.helper';

/**
 * The agent console and the widget side by side in headless Chromium against the real server (PGlite, real
 * model): an agent takes a handed-off conversation and chats with the customer live, then relabels a turn
 * in the review queue.
 */
jest.setTimeout(300_000);

const AGENT = { email: 'alex@parley.test', name: 'Alex Agent' };

describe('agent console (browser)', () => {
  const suite = useServerAndBrowser();
  let t: TestApp;
  let browser: Browser;
  let token: string;

  beforeAll(async () => {
    ({ t, browser } = suite);
    await ensureUser(t, { email: AGENT.email, role: 'agent', name: AGENT.name });
    token = (await login(t.url, AGENT.email)).token;
  });

  beforeEach(async () => {
    await t.drainTurns();
    await truncateChat(t.dataSource);
  });

  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${t.url}${path}`, { headers: bearer(token) });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };

  /** A customer on the demo page who asked for a person, and an agent's console on its live conversations. */
  const escalated = async () => {
    const customer = await openPage(browser);
    await customer.page.goto(`${t.url}/demo`);
    const w = widget(customer.page);
    await w.open();
    const agent = await openPage(browser);
    await signInPage(agent.page, `${t.url}/agent`, AGENT.email, TEST_PASSWORD);
    await agent.page.getByRole('button', { name: /Live conversations/ }).click();
    await w.say(await fallbackText(t));
    await w.bot.first().getByRole('button', { name: 'Talk to a person' }).click();
    await w.system.first().waitFor();
    const [{ id }] = (await t.dataSource.query(`SELECT id FROM conversation`)) as Array<{ id: string }>;
    return { customer, w, agent, id, row: agent.page.locator(`button.row-button[data-conversation-id="${id}"]`) };
  };

  it('drops a waiting conversation from the console live when an admin erases it', async () => {
    const { customer, w, agent, id, row } = await escalated();
    await row.click();
    await agent.page.getByRole('button', { name: 'Take conversation' }).waitFor();
    // The fallback turn is in the review queue too.
    const reviewRows = agent.page.locator(`li[data-review-conversation="${id}"]`);
    await reviewRows.first().waitFor({ state: 'attached' });

    const admin = await signIn(t, 'admin');
    expect((await callApi(t.url, 'DELETE', `/api/conversations/${id}`, admin.token)).status).toBe(200);
    await agent.page.getByText('An admin deleted this conversation.').waitFor();
    await row.waitFor({ state: 'detached' });
    expect(await agent.page.locator('#handoff-count').textContent()).toBe('0');
    await reviewRows.first().waitFor({ state: 'detached' });
    await w.alert.getByText('This conversation was deleted').waitFor();
    expect(agent.problems).toEqual([]);
    await agent.context.close();
    await customer.context.close();
  });

  it('takes over a conversation the customer escalated, chats live both ways, and hands it back', async () => {
    const { customer, w, agent, id, row } = await escalated();
    // The waiting customer shows up live (no reload) in the console.
    await row.waitFor();
    expect(await agent.page.locator('#handoff-count').textContent()).toBe('1');
    await row.click();
    await agent.page.getByRole('button', { name: 'Take conversation' }).click();
    const reply = agent.page.getByLabel('Your reply');
    await reply.waitFor({ state: 'visible' });
    await agent.page.locator('textarea#agent-reply:not([disabled])').waitFor();
    await screenshot(agent.page, 'agent-live-desktop');

    await reply.fill('Hi, I am Alex. How can I help?');
    await reply.press('Enter');
    const agentBubble = w.agent.filter({ hasText: 'Hi, I am Alex. How can I help?' });
    await agentBubble.waitFor();
    expect(await agentBubble.locator('.author').textContent()).toBe(AGENT.name);
    expect(await w.panel.getAttribute('data-status')).toBe('agent');

    // The customer's answer reaches the console as text (markup stays text), and the bot stays silent.
    const attack = 'my order <img src=x onerror="window.__pwned=1"> is late';
    await w.say(attack);
    const inConsole = agent.page.locator('ol.transcript li.customer').filter({ hasText: 'is late' });
    await inConsole.waitFor();
    expect(await inConsole.evaluate((li: any) => li.lastChild.textContent)).toBe(attack);
    expect(await agent.page.locator('ol.transcript img').count()).toBe(0);
    await t.drainTurns();
    const [{ bots }] = await t.dataSource.query(
      `SELECT count(*)::int AS bots FROM message WHERE author = 'bot'`,
    );
    expect(bots).toBe(1);
    await screenshot(customer.page, 'widget-agent-desktop');

    // Hand back: the bot answers the next message again.
    await agent.page.getByRole('button', { name: 'Hand back to the bot' }).click();
    await customer.page.locator('#parley-panel[data-status="bot"]').waitFor();
    // The customer is asked how the person did; a press stores the rating and thanks them.
    const rating = customer.page.getByRole('group', { name: 'How would you rate the help you got?' });
    await rating.getByRole('button', { name: 'Good' }).click();
    await customer.page.getByText('Thank you for your feedback!').waitFor();
    expect(await t.dataSource.query(`SELECT rating FROM csat_response`)).toEqual([{ rating: 4 }]);
    await w.say('what payment methods do you accept');
    await w.bot.nth(1).waitFor();
    expect(await agent.page.locator(`button.row-button[data-conversation-id="${id}"]`).count()).toBe(0);
    expect([...customer.problems, ...agent.problems]).toEqual([]);
    expect(await agent.page.evaluate('window.__pwned')).toBeUndefined();
    await customer.context.close();
    await agent.context.close();
  });

  it("resolves a conversation from the console; the customer's next message starts a new one with the bot", async () => {
    const { customer, w, agent, id, row } = await escalated();
    await row.click();
    await agent.page.getByRole('button', { name: 'Take conversation' }).click();
    await agent.page.locator('textarea#agent-reply:not([disabled])').waitFor();
    await agent.page.getByRole('button', { name: 'Resolve' }).click();
    await row.waitFor({ state: 'detached' });
    await customer.page.locator('#parley-panel[data-status="closed"]').waitFor();
    await w.system.filter({ hasText: 'marked as resolved' }).waitFor();
    await w.input.fill('what payment methods do you accept');
    await w.input.press('Enter');
    // A new conversation: the old transcript gives way, the bot answers, and the resolved one stays closed.
    await w.customer.first().and(customer.page.locator('[data-state="sent"]')).waitFor();
    expect(await w.customer.count()).toBe(1);
    await customer.page.locator('#parley-panel[data-status="bot"]').waitFor();
    await w.bot.first().waitFor();
    expect(await w.system.count()).toBe(0);
    const rows = (await t.dataSource.query(`SELECT id, status FROM conversation ORDER BY created_at`)) as Array<{ id: string; status: string }>;
    expect(rows.map((r) => r.status)).toEqual(['closed', 'bot']);
    expect(rows[0].id).toBe(id);
    expect([...customer.problems, ...agent.problems]).toEqual([]);
    await customer.context.close();
    await agent.context.close();
  });

  it("offers the agent replies drafted from the templates: pressing one fills the reply box, Enter sends it", async () => {
    const { customer, w, agent, row } = await escalated();
    await row.click();
    await agent.page.getByRole('button', { name: 'Take conversation' }).click();
    await agent.page.locator('textarea#agent-reply:not([disabled])').waitFor();
    // The customer's message while a person has the conversation: drafted for the agent, not answered by the bot.
    await w.say('I want to cancel order 12345');
    const drafts = agent.page.getByRole('group', { name: 'Suggested replies' });
    const draft = drafts.getByRole('button', { name: 'How to cancel an order', exact: true });
    await draft.waitFor();
    // And the help-center articles the bot's search finds for it.
    expect(await drafts.getByRole('button', { name: /^Article: / }).count()).toBeGreaterThan(0);
    await draft.click();
    const reply = agent.page.getByLabel('Your reply');
    const text = await reply.inputValue();
    expect(text).toContain('12345');
    expect(await reply.evaluate((el: any) => el === el.ownerDocument.activeElement)).toBe(true);
    await reply.press('Enter');
    await w.agent.filter({ hasText: text }).waitFor();
    expect([...customer.problems, ...agent.problems]).toEqual([]);
    await customer.context.close();
    await agent.context.close();
  });

  it('inserts a canned response: "/" and a short code list the matches, Enter fills the box for this agent, Enter sends', async () => {
    const admin = await signIn(t, 'admin');
    await t.dataSource.query(`DELETE FROM canned_response`);
    for (const body of [
      { short_code: 'refund', title: 'Refund timing', text: 'Refunds take 5 to 10 business days. — {{agent.name}}, {{company.name}}' },
      { short_code: 'refund-partial', title: 'Partial refunds', text: 'A partial refund covers the items you sent back.' },
      { short_code: 'hello', title: 'Greeting', text: 'Hi, I am {{agent.name}}.' },
    ]) {
      expect((await callApi(t.url, 'POST', '/api/content/canned-responses', admin.token, body)).status).toBe(201);
    }
    const { customer, w, agent, row } = await escalated();
    await row.click();
    await agent.page.getByRole('button', { name: 'Take conversation' }).click();
    const reply = agent.page.locator('textarea#agent-reply:not([disabled])');
    await reply.waitFor();

    await reply.pressSequentially('/ref');
    const list = agent.page.getByRole('listbox', { name: 'Canned responses' });
    await list.getByRole('option').first().waitFor();
    expect(await list.getByRole('option').evaluateAll((li: any[]) => li.map((x) => x.dataset.shortCode))).toEqual(['refund', 'refund-partial']);
    expect(await list.getByRole('option', { selected: true }).getAttribute('data-short-code')).toBe('refund');
    // ↓ picks the next one, ↑ comes back; Enter takes the picked one into the box and does not send it.
    await reply.press('ArrowDown');
    await list.locator('[data-short-code="refund-partial"][aria-selected="true"]').waitFor();
    await reply.press('ArrowUp');
    await reply.press('Enter');
    await list.waitFor({ state: 'hidden' });
    const company = (t.app.get(COMPANY_PROFILE) as Record<string, string>).name;
    expect(await reply.inputValue()).toBe(`Refunds take 5 to 10 business days. — ${AGENT.name}, ${company}`);
    expect(await w.agent.count()).toBe(0);
    await reply.press('Enter');
    await w.agent.filter({ hasText: `— ${AGENT.name}, ${company}` }).waitFor();

    // Words match too; nothing found says so; Escape closes the list and leaves the text alone.
    await reply.pressSequentially('/partial');
    await list.locator('[data-short-code="refund-partial"]').waitFor();
    await reply.fill('');
    await reply.pressSequentially('/nothing-like-it');
    await list.getByText('No canned response matches “nothing-like-it”').waitFor();
    await reply.press('Escape');
    await list.waitFor({ state: 'hidden' });
    expect(await reply.inputValue()).toBe('/nothing-like-it');
    expect([...customer.problems, ...agent.problems]).toEqual([]);
    await customer.context.close();
    await agent.context.close();
  });

  it('finds a conversation still with the bot by a word of it, reads it, steps in and chats live', async () => {
    const customer = await openPage(browser);
    await customer.page.goto(`${t.url}/demo`);
    const w = widget(customer.page);
    await w.open();
    await w.say('where is my order 12345');
    await w.bot.first().waitFor();
    const agent = await openPage(browser);
    await signInPage(agent.page, `${t.url}/agent`, AGENT.email, TEST_PASSWORD);
    await agent.page.getByRole('button', { name: 'All conversations' }).click();

    const search = agent.page.getByRole('search', { name: 'Find conversations' });
    await search.getByLabel('Search messages').fill('nothing anyone wrote');
    await search.getByRole('button', { name: 'Search' }).click();
    await agent.page.getByText('No conversation matches.').waitFor();
    await search.getByLabel('Search messages').fill('ORDER 12345');
    await search.getByLabel('State').selectOption('bot');
    const rows = agent.page.locator('section.conversations button.row-button');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    await rows.first().click();
    const transcript = agent.page.locator('section.conversations ol.transcript');
    await transcript.locator('li.customer').filter({ hasText: 'where is my order 12345' }).waitFor();
    expect(await transcript.locator('li.bot').count()).toBe(1);
    // An agent may not erase; an admin may.
    expect(await agent.page.getByRole('button', { name: 'Erase conversation' }).count()).toBe(0);
    await screenshot(agent.page, 'agent-conversations-desktop');
    await agent.page.setViewportSize(PHONE);
    expect(await overflowing(agent.page)).toEqual([]);
    await screenshot(agent.page, 'agent-conversations-phone');

    // A private note for the other agents: listed here, never shown to the customer.
    const notes = agent.page.locator('section.conversations details.notes-panel');
    await notes.locator('summary').click();
    await notes.getByLabel('Private note', { exact: true }).fill('Customer <b>VIP</b>: check the courier first.');
    await notes.getByRole('button', { name: 'Add note' }).click();
    await notes.locator('li[data-note-id]').filter({ hasText: 'check the courier first' }).waitFor();
    expect(await notes.locator('li[data-note-id] b').count()).toBe(0);

    await agent.page.getByRole('button', { name: 'Take conversation' }).click();
    const reply = agent.page.locator('textarea#agent-reply:not([disabled])');
    await reply.waitFor();
    // The live view shows the notes too, open since there is one.
    await agent.page.locator('section.handoffs details.notes-panel[open] li[data-note-id]').filter({ hasText: 'check the courier first' }).waitFor();
    await reply.fill('Hi, Alex here: I am checking order 12345 for you.');
    await reply.press('Enter');
    await w.agent.filter({ hasText: 'I am checking order 12345' }).waitFor();
    expect(await customer.page.locator('#parley-panel').getAttribute('data-status')).toBe('agent');
    expect(await w.log.textContent()).not.toContain('courier');
    expect([...customer.problems, ...agent.problems]).toEqual([]);
    await customer.context.close();
    await agent.context.close();
  });

  it('relabels a turn in the review queue: new intent and an entity span, stored as a training example', async () => {
    const agent = await openPage(browser);
    await signInPage(agent.page, `${t.url}/agent`, AGENT.email, TEST_PASSWORD);
    await agent.page.getByRole('button', { name: /Review queue/ }).click();

    // A thumbs-down puts the turn in the queue; the open console gets it live.
    const customer = await openPage(browser);
    await customer.page.goto(`${t.url}/demo`);
    const w = widget(customer.page);
    await w.open();
    // The model answers this with a template but reads 4711 as a refund amount: a turn worth relabelling.
    const text = 'I want to return order 4711 for a refund';
    await w.say(text);
    await w.bot.first().waitFor();
    await w.bot.first().getByRole('button', { name: 'Not helpful' }).click();
    const row = agent.page.locator('li[data-review-id] button.row-button').filter({ hasText: text });
    await row.waitFor();
    await row.click();

    const ranking = agent.page.locator('table.ranking tbody tr');
    await ranking.first().waitFor();
    expect(await ranking.count()).toBeGreaterThan(1);
    expect(await ranking.first().locator('td').nth(2).textContent()).toMatch(/^-?\d+\.\d{3}$/);
    const other = (await ranking.nth(1).locator('td').first().textContent())!;

    // Pick another intent and mark "4711" as an order id by selecting it in the text.
    await agent.page.getByLabel('Intent', { exact: true }).fill(other);
    for (const remove of await agent.page.getByRole('button', { name: /^Remove span/ }).all())
      await remove.click();
    await agent.page.locator('#review-text').evaluate((el: any, word: string) => {
      // Selects `word` as a user dragging over it would (page context: DOM globals exist there).
      const node = el.firstChild;
      const start = node.textContent.indexOf(word);
      const range = el.ownerDocument.createRange();
      range.setStart(node, start);
      range.setEnd(node, start + word.length);
      const selection = el.ownerDocument.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }, '4711');
    await agent.page.getByRole('button', { name: 'Add span from selected text' }).click();
    await agent.page.getByLabel('Label of “4711”').fill('order_id');
    await agent.page.getByLabel('Label of “4711”').press('Tab');
    expect(await agent.page.locator('#review-text mark').textContent()).toBe('4711');
    await screenshot(agent.page, 'agent-review-desktop');
    await agent.page.getByRole('button', { name: 'Save correction' }).click();
    await agent.page.getByText('Saved as a training example (corrected).').waitFor();

    // The label is stored (REST), with who made it.
    const page = await get<ReviewPage>('/api/review?status=all');
    const item = page.items.find((i) => i.text === text)!;
    const detail = await get<ReviewDetailView>(`/api/review/${item.id}`);
    expect(detail.status).toBe('corrected');
    expect(detail.label).toMatchObject({
      intent: other,
      entities: [{ start: text.indexOf('4711'), end: text.indexOf('4711') + 4, label: 'order_id' }],
    });
    const [example] = await t.dataSource.query(
      `SELECT intent, source, created_by FROM training_example WHERE text = $1`,
      [text],
    );
    expect(example).toMatchObject({ intent: other, source: 'review' });
    expect(example.created_by).toBeTruthy();

    // Phone size: the console stacks into one column without sideways scrolling.
    await agent.page.setViewportSize(PHONE);
    expect(await overflowing(agent.page)).toEqual([]);
    await screenshot(agent.page, 'agent-review-phone');
    expect([...customer.problems, ...agent.problems]).toEqual([]);
    await customer.context.close();
    await agent.context.close();
  });
});

import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { ContentService } from '@app/answers';
import { callApi, ensureUser, signIn, TEST_PASSWORD, TestApp, truncateChat } from '@app/testing';
import {
  didYouMeanText,
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
 * The embeddable widget in headless Chromium against the real server (PGlite, the real model): the demo page
 * loads /widget.js, which talks to /widget over socket.io like any customer's browser would.
 */
jest.setTimeout(300_000);

const IDENTITY_SECRET = 'browser-identity-secret-000';

describe('widget (browser)', () => {
  const suite = useServerAndBrowser({ WIDGET_IDENTITY_SECRET: IDENTITY_SECRET });
  let t: TestApp;
  let browser: Browser;

  beforeAll(() => {
    ({ t, browser } = suite);
  });

  beforeEach(async () => {
    await t.drainTurns();
    await truncateChat(t.dataSource);
  });

  it('shows "did you mean" buttons on a vague message, and pressing one gets that answer', async () => {
    const { text, button } = await didYouMeanText(t);
    const { context, page, problems } = await openPage(browser);
    await page.goto(`${t.url}/demo`);
    const w = widget(page);
    await w.open();
    await w.say(text);
    const fallback = w.bot.first();
    await fallback.waitFor();
    expect(await fallback.getAttribute('data-route')).toBe('fallback');
    // A reload shows the last reply with its buttons again (the history keeps them).
    await page.reload();
    await w.open();
    await fallback.getByRole('button', { name: button }).click();
    // The button's text goes out as the customer's message, and the bot answers it instead of falling back again.
    await w.customer.nth(1).waitFor();
    expect(await w.customer.nth(1).locator('.text').textContent()).toBe(button);
    const answer = w.bot.nth(1);
    await answer.waitFor();
    expect(['template', 'slot_prompt']).toContain(await answer.getAttribute('data-route'));
    // The fallback's buttons went away once the conversation moved on.
    expect(await fallback.locator('.suggestions').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('answers a customer, escalates to a person, and resumes the conversation after a reload', async () => {
    const { context, page, problems } = await openPage(browser);
    await page.goto(`${t.url}/demo`);
    const w = widget(page);
    await screenshot(page, 'widget-closed-desktop');
    await w.open();
    expect(await w.launcher.getAttribute('aria-expanded')).toBe('true');
    // A welcome tells the customer what the bot does; it is the page's, not a message of the conversation.
    expect(await w.log.locator('li.welcome').textContent()).toMatch(/orders.*person/);

    await w.say('what payment methods do you accept');
    await w.bot.first().waitFor();
    expect((await w.bot.first().locator('.text').textContent())?.length).toBeGreaterThan(10);

    await w.say(await fallbackText(t));
    const fallback = w.bot.nth(1);
    await fallback.waitFor();
    expect(await fallback.getAttribute('data-route')).toBe('fallback');
    const talk = fallback.getByRole('button', { name: 'Talk to a person' });
    await talk.click();
    await w.system.first().waitFor();
    expect(await w.system.first().textContent()).toMatch(/agent|person|human/i);
    expect(await w.panel.getAttribute('data-status')).toBe('handoff_requested');
    const [{ status }] = await t.dataSource.query(`SELECT status FROM conversation`);
    expect(status).toBe('handoff_requested');
    await screenshot(page, 'widget-handoff-desktop');

    // Nobody is online: the note offers an email field for the answer. A bad address is refused in the panel.
    const contact = w.system.first().locator('form.contact');
    await contact.getByLabel('Your email').fill('not an email');
    await contact.getByRole('button', { name: 'Email me the answer' }).click();
    await w.alert.getByText(/enter an email address/).waitFor();
    await contact.getByLabel('Your email').fill('ann@example.com');
    await contact.getByRole('button', { name: 'Email me the answer' }).click();
    await w.system.nth(1).getByText("Thanks! We'll also send the answer to ann@example.com.").waitFor();
    expect(await w.log.locator('form.contact').count()).toBe(0);
    const [{ contact_email }] = await t.dataSource.query(`SELECT contact_email FROM conversation`);
    expect(contact_email).toBe('ann@example.com');

    // Thumbs down on the first answer reaches the server (review queue).
    await w.bot.first().getByRole('button', { name: 'Not helpful' }).click();
    await w.bot.first().locator('button[data-rating="down"][aria-pressed="true"]').waitFor();
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM feedback WHERE rating = 'down'`);
    expect(n).toBe(1);

    // A reload resumes the same conversation from the token in localStorage, with its history. Buttons show on the
    // last message only, and that is the note confirming the email: none come back.
    const texts = w.log.locator('li .text');
    const before = await texts.allTextContents();
    expect(before).toHaveLength(6);
    await page.reload();
    await w.open();
    await w.system.first().waitFor();
    expect(await texts.allTextContents()).toEqual(before);
    expect(await w.log.locator('.suggestions').count()).toBe(0);
    const [{ conversations }] = await t.dataSource.query(
      `SELECT count(*)::int AS conversations FROM conversation`,
    );
    expect(conversations).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('tells the customer when an admin erased the conversation, and starts a new one on request', async () => {
    const { context, page, problems } = await openPage(browser);
    await page.goto(`${t.url}/demo`);
    const w = widget(page);
    await w.open();
    await w.say('what payment methods do you accept');
    await w.bot.first().waitFor();
    const [{ id }] = await t.dataSource.query(`SELECT id FROM conversation`);

    const admin = await signIn(t, 'admin');
    expect((await callApi(t.url, 'DELETE', `/api/conversations/${id}`, admin.token)).status).toBe(200);
    await w.alert.getByText('This conversation was deleted').waitFor();
    await w.alert.getByRole('button', { name: 'Start a new one' }).click();
    expect(await w.log.locator('li.welcome').count()).toBe(1);

    // A fresh conversation: the old transcript is gone from the page and the bot answers again.
    await w.say('how do I reset my password');
    await w.bot.first().waitFor();
    expect(await w.log.locator('li .text').allTextContents()).toHaveLength(2);
    const rows: Array<{ id: string }> = await t.dataSource.query(`SELECT id FROM conversation`);
    expect(rows).toHaveLength(1);
    expect(rows[0].id).not.toBe(id);
    // A reload resumes the new conversation, not the erased one.
    await page.reload();
    await w.open();
    await w.bot.first().waitFor();
    expect(await w.log.locator('li .text').allTextContents()).toHaveLength(2);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('serves the pages with a strict CSP and refuses any other path with a typed 404', async () => {
    for (const path of [
      '/',
      '/demo',
      '/agent',
      '/admin',
      `/help/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`,
    ]) {
      const res = await fetch(`${t.url}${path}`);
      expect([path, res.status, res.headers.get('content-type')]).toEqual([
        path,
        200,
        'text/html; charset=utf-8',
      ]);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
    const script = await fetch(`${t.url}/widget.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    for (const path of [
      '/assets/nope.js',
      '/assets/..%2F..%2Fpackage.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/assets/lib/../../../../package.json',
    ]) {
      const res = await fetch(`${t.url}${path}`);
      expect([path, res.status, await res.json()]).toEqual([
        path,
        404,
        expect.objectContaining({ code: 'NOT_FOUND' }),
      ]);
    }
  });

  it('works embedded in another site: one script tag, cross-origin, styles isolated both ways', async () => {
    const { context, page, problems } = await openPage(browser);
    // A shop on another origin (127.0.0.1 vs localhost; the default CORS_ORIGINS allows local origins), served by
    // its own little server, whose CSS would wreck any button or paragraph it could reach.
    const html = `<!doctype html><html><head><style>button, li, p { color: red !important; font-size: 40px !important; }</style></head>
      <body><p>Our shop</p><script src="${t.url}/widget.js" data-parley-url="${t.url}" data-title="Shop help"></script></body></html>`;
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const shop = `http://127.0.0.1:${(server.address() as AddressInfo).port}/shop`;
    await page.goto(shop);
    const w = widget(page);
    expect(await w.launcher.textContent()).toContain('Shop help');
    expect(
      await w.launcher.evaluate((el: any) => el.ownerDocument.defaultView.getComputedStyle(el).fontSize),
    ).not.toBe('40px');
    await w.open();
    await w.say('what payment methods do you accept');
    await w.bot.first().waitFor();
    expect(
      await w.bot
        .first()
        .locator('.text')
        .evaluate((el: any) => el.ownerDocument.defaultView.getComputedStyle(el).color),
    ).not.toBe('rgb(255, 0, 0)');
    // ... and the widget's styles do not leak into the shop.
    expect(
      await page
        .locator('body > p')
        .evaluate((el: any) => el.ownerDocument.defaultView.getComputedStyle(el).fontSize),
    ).toBe('40px');
    expect(await page.evaluate('typeof window.io')).toBe('undefined');
    expect(problems).toEqual([]);
    await context.close();
    server.close();
  });

  it("keeps a signed-in customer's conversation theirs: taken over from the anonymous chat, not shown to the next customer on the computer", async () => {
    // The operator's shop (another origin, its own little server): for a signed-in customer its server writes their
    // id and its signature into the tag.
    const server = createServer((req, res) => {
      const userId = new URL(req.url ?? '/', 'http://shop').searchParams.get('user');
      const hash = userId ? createHmac('sha256', IDENTITY_SECRET).update(userId).digest('hex') : '';
      const attrs = userId ? ` data-user-id="${userId}" data-user-name="Customer ${userId}" data-user-hash="${hash}"` : '';
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>Shop</title><h1>Shop</h1><script src="${t.url}/widget.js" data-parley-url="${t.url}"${attrs}></script>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const shop = (userId: string | null) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/account${userId ? `?user=${userId}` : ''}`;
    const { context, page, problems } = await openPage(browser);
    const w = widget(page);
    await page.goto(shop(null));
    await w.open();
    await w.say('what payment methods do you accept');
    await w.bot.first().waitFor();

    // The visitor signs in: the same conversation, now linked to them.
    await page.goto(shop('ann-1'));
    await w.open();
    await w.customer.filter({ hasText: 'what payment methods' }).waitFor();
    const linked = async () => t.dataSource.query(`SELECT customer_id, customer_name FROM conversation ORDER BY created_at`);
    expect(await linked()).toEqual([{ customer_id: 'ann-1', customer_name: 'Customer ann-1' }]);

    // Ann signs out and Bo signs in on the same browser: Bo starts afresh and never sees Ann's chat.
    await page.goto(shop('bo-2'));
    await w.open();
    await w.say('how do I track my order');
    await w.bot.first().waitFor();
    expect(await w.customer.filter({ hasText: 'what payment methods' }).count()).toBe(0);
    expect(await linked()).toEqual([
      { customer_id: 'ann-1', customer_name: 'Customer ann-1' },
      { customer_id: 'bo-2', customer_name: 'Customer bo-2' },
    ]);
    // Signed out, the page starts an anonymous chat; Ann back finds hers.
    await page.goto(shop(null));
    await w.open();
    expect(await w.customer.count()).toBe(0);
    await page.goto(shop('ann-1'));
    await w.open();
    await w.customer.filter({ hasText: 'what payment methods' }).waitFor();
    expect(await w.customer.filter({ hasText: 'track my order' }).count()).toBe(0);
    expect(problems).toEqual([]);

    // The agent console says who each customer is.
    await ensureUser(t, { email: 'identity-agent@parley.test', role: 'agent', name: 'Ida Agent' });
    const agent = await openPage(browser);
    await signInPage(agent.page, `${t.url}/agent`, 'identity-agent@parley.test', TEST_PASSWORD);
    await agent.page.getByRole('button', { name: 'All conversations' }).click();
    await agent.page.getByLabel('Search messages').fill('track my order');
    await agent.page.getByRole('button', { name: 'Search', exact: true }).click();
    const row = agent.page.locator('section.conversations button.row-button');
    await row.filter({ hasText: 'Customer bo-2' }).waitFor();
    await row.first().click();
    await agent.page.locator('section.conversations .customer-line').filter({ hasText: 'customer id bo-2' }).waitFor();
    expect(agent.problems).toEqual([]);
    await agent.context.close();
    await context.close();
    server.close();
  });

  it('shows user text as text: markup typed by the customer is never parsed', async () => {
    const { context, page, problems } = await openPage(browser);
    await page.goto(`${t.url}/demo`);
    const w = widget(page);
    await w.open();
    const attack = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>`;
    const bubble = await w.say(attack);
    expect(await bubble.locator('.text').textContent()).toBe(attack);
    expect(await page.locator('#parley-widget img, #parley-widget script, #parley-widget b').count()).toBe(0);
    await w.bot.first().waitFor();
    // After the reload the text comes back from the server (history) and is still only text.
    await page.reload();
    await w.open();
    await w.customer.first().waitFor();
    expect(await w.customer.first().locator('.text').textContent()).toBe(attack);
    expect(await page.locator('#parley-widget img, #parley-widget script, #parley-widget b').count()).toBe(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(problems).toEqual([]);
    await context.close();
  });

  it('keeps a message typed while offline, marks it waiting, and sends it once (same id) when back online', async () => {
    const { context, page, problems } = await openPage(browser);
    // The websocket goes through a proxy in the page so the test can cut the network under the widget.
    let online = true;
    const open = new Set<{ close: () => Promise<void> }>();
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      if (!online) return void ws.close();
      ws.connectToServer();
      open.add(ws);
    });
    await page.goto(`${t.url}/demo`);
    const w = widget(page);
    await w.open();
    await w.say('hello');
    await w.bot.first().waitFor();

    online = false;
    await Promise.all([...open].map((ws) => ws.close()));
    await page.locator('#parley-widget .connection:not([hidden])').waitFor();
    await w.input.fill('where is my refund');
    await w.input.press('Enter');
    const queued = w.customer.nth(1);
    await queued.and(page.locator('[data-state="queued"]')).waitFor();
    expect(await queued.locator('.state').textContent()).toMatch(/waiting/i);

    online = true;
    await queued.and(page.locator('[data-state="sent"]')).waitFor();
    await w.bot.nth(1).waitFor();
    const rows = await t.dataSource.query(`SELECT text FROM message WHERE author = 'customer' ORDER BY seq`);
    expect(rows.map((r: { text: string }) => r.text)).toEqual(['hello', 'where is my refund']);
    expect(problems.filter((p) => !p.includes('WebSocket'))).toEqual([]);
    await context.close();
  });

  it('opens a cited knowledge-base article on the public help page, as text', async () => {
    const content = t.app.get(ContentService);
    const article = await content.createArticle({
      slug: `help-${Date.now()}`,
      title: 'Returns <img src=x onerror="window.__pwned=1">',
      body: 'Step one: open your orders.\n\nStep two: <b>pick</b> the item.',
      intent: null,
      questions: ['how do returns work'],
    });
    const { context, page, problems } = await openPage(browser, PHONE);
    await page.goto(`${t.url}/help/${article.id}`);
    await page.locator('.help-article[aria-busy="false"]').waitFor();
    expect(await page.locator('h1').textContent()).toBe(article.title);
    expect(await page.locator('#help-body p').allTextContents()).toEqual([
      'Step one: open your orders.',
      'Step two: <b>pick</b> the item.',
    ]);
    expect(await page.locator('main img, main b').count()).toBe(0);
    expect(await overflowing(page)).toEqual([]);
    await page.goto(`${t.url}/help/00000000-0000-4000-8000-000000000000`);
    await page.getByText('Article not found').waitFor();
    await content.deleteArticle(article.id!);
    expect(problems.filter((p) => !p.includes('404'))).toEqual([]);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    await context.close();
  });

  it('works on a phone-sized screen: the panel fills the screen and the keyboard alone can chat', async () => {
    const { context, page, problems } = await openPage(browser, PHONE);
    await page.goto(`${t.url}/demo`);
    const w = widget(page);
    await screenshot(page, 'widget-closed-phone');
    // Keyboard only: Tab to the launcher (after the page's own link), Enter opens, focus lands in the input.
    await w.launcher.focus();
    await page.keyboard.press('Enter');
    await w.input.waitFor({ state: 'visible' });
    expect(await page.evaluate('document.activeElement?.id')).toBe('parley-widget');
    const box = await w.panel.boundingBox();
    expect(box).toMatchObject({ x: 0, y: 0, width: PHONE.width, height: PHONE.height });
    await page.keyboard.type('how can I get a refund');
    await page.keyboard.press('Enter');
    await w.bot.first().waitFor();
    const sendBox = await w.send.boundingBox();
    expect(sendBox!.x + sendBox!.width).toBeLessThanOrEqual(PHONE.width);
    expect(sendBox!.y + sendBox!.height).toBeLessThanOrEqual(PHONE.height);
    expect(await overflowing(page)).toEqual([]);
    await screenshot(page, 'widget-open-phone');
    // Escape closes the panel and gives focus back to the launcher.
    await page.keyboard.press('Escape');
    await w.panel.waitFor({ state: 'hidden' });
    expect(await w.launcher.evaluate((el: any) => el === el.getRootNode().activeElement)).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });
});

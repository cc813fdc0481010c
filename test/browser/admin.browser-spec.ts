import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { bearer, callApi, ensureUser, login, signIn, TEST_PASSWORD, TestApp, until } from '@app/testing';
import {
  openPage,
  overflowing,
  PHONE,
  screenshot,
  signInPage,
  useServerAndBrowser,
  widget,
} from './browser.helper';

/**
 * The admin area end to end in headless Chromium against the real server (PGlite, so the training worker runs
 * in-process, and the real default model): import transcripts, retrain with the `tiny` config, read the gate,
 * promote, see the widget answer with the new version, roll back and see the old version answer again.
 */
jest.setTimeout(900_000);

const ADMIN = { email: 'root@parley.test', name: 'Robin Admin' };
const QUESTION = 'I want to cancel order 12345678';
// Training, export and the gate's two evaluations run on a CPU shared with other jobs.
const TRAINING_TIMEOUT = 600_000;

const VALID = [
  {
    conversation_id: 'imp-1',
    turns: [
      {
        role: 'customer',
        text: 'where is my order 55512',
        intent: 'track_order',
        entities: [{ start: 18, end: 23, label: 'order_id' }],
      },
      { role: 'agent', text: 'Let me check that.' },
    ],
  },
  {
    conversation_id: 'imp-2',
    turns: [
      { role: 'customer', text: 'I never got my refund for the blue shoes' },
      { role: 'agent', text: 'Sorry about that.' },
    ],
  },
]
  .map((c) => JSON.stringify(c))
  .join('\n');
const INVALID = [
  JSON.stringify({ conversation_id: 'bad-1', turns: [{ role: 'robot', text: 'beep' }] }),
  '{not json',
].join('\n');

/** Nothing listens there: every event webhook delivery fails at its one attempt (the Webhooks page shows why). */
const DEAD_RECEIVER = 'http://127.0.0.1:9/parley-hooks';

describe('admin area (browser)', () => {
  const suite = useServerAndBrowser({ EVENT_WEBHOOK_URL: DEAD_RECEIVER, EVENT_WEBHOOK_SECRET: 'admin-browser-webhook-secret', EVENT_WEBHOOK_MAX_ATTEMPTS: '1' });
  let t: TestApp;
  let browser: Browser;
  let token: string;

  beforeAll(async () => {
    ({ t, browser } = suite);
    await ensureUser(t, { email: ADMIN.email, role: 'admin', name: ADMIN.name });
    token = (await login(t.url, ADMIN.email)).token;
  });

  const activeVersion = async (): Promise<string> => {
    const res = await fetch(`${t.url}/ready`, { headers: bearer(token) });
    return ((await res.json()) as { model: { version: string } }).model.version;
  };

  /** The version every server switched to (a promote reaches the NLU through NOTIFY, just after the reply). */
  async function waitForVersion(expected: (v: string) => boolean): Promise<string> {
    for (let waited = 0; ; waited += 250) {
      const version = await activeVersion();
      if (expected(version) || waited > 30_000) return version;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Asks in the widget; returns the version and intent the server stored with the reply it showed. */
  async function ask(page: Page, text: string): Promise<{ version: string; intent: string | null }> {
    const w = widget(page);
    const before = await w.bot.count();
    await w.say(text);
    const reply = w.bot.nth(before);
    await reply.waitFor();
    const id = await reply.getAttribute('data-message-id');
    const [row] = await t.dataSource.query(`SELECT model_version, intent FROM message WHERE id = $1`, [id]);
    const shown = await reply.getAttribute('data-model-version');
    if (shown !== null) expect(shown).toBe(row.model_version);
    return { version: row.model_version, intent: row.intent };
  }

  it('tries a message on the active model: intent, what the bot would do, the ranking and the entities', async () => {
    const admin = await openPage(browser);
    const page = admin.page;
    await signInPage(page, `${t.url}/admin`, ADMIN.email, TEST_PASSWORD);
    await page.getByRole('button', { name: 'Models' }).click();
    const form = page.getByRole('form', { name: 'Try the active model' });
    await form.getByLabel('Message').fill('I want to cancel order 12345');
    await form.getByRole('button', { name: 'Parse' }).click();
    const verdict = page.locator('.try-verdict');
    await verdict.waitFor();
    const text = (await verdict.textContent()) ?? '';
    expect(text).toMatch(/^cancel_order \d+\.\d %: the bot answers from a template \(model /);
    expect(text).toContain(await activeVersion());
    expect(await page.getByRole('table', { name: 'Intent ranking' }).locator('tr').count()).toBe(5);
    expect(await page.getByRole('list', { name: 'Entities' }).textContent()).toContain('order_id “12345” (23–28)');
    // An empty message is refused with the server's typed error, shown in the page.
    await form.getByLabel('Message').fill('   ');
    await form.getByRole('button', { name: 'Parse' }).click();
    await page.getByText('Message text is empty').waitFor();
    expect(admin.problems.filter((p) => !p.includes('400'))).toEqual([]);
    await admin.context.close();
  });

  it('imports transcripts, retrains (tiny), shows the gate, promotes to the widget, and rolls back', async () => {
    const original = await activeVersion();
    const customer = await openPage(browser);
    await customer.page.goto(`${t.url}/demo`);
    await widget(customer.page).open();
    const first = await ask(customer.page, QUESTION);
    expect(first.version).toBe(original);

    const admin = await openPage(browser);
    const page = admin.page;
    await signInPage(page, `${t.url}/admin`, ADMIN.email, TEST_PASSWORD);
    await page.getByRole('button', { name: 'Models' }).click();
    await page.locator(`tr[data-status="active"]`).filter({ hasText: original }).waitFor();
    await screenshot(page, 'admin-models-desktop');

    // Transcripts: a bad file is refused with its rows' errors; a good one is stored and counted.
    await page.getByRole('button', { name: 'Transcript import' }).click();
    const file = page.getByLabel('File (.jsonl or .csv)');
    await file.setInputFiles({
      name: 'bad.jsonl',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(INVALID),
    });
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const errors = page.locator('table.import-errors tbody tr');
    await errors.first().waitFor();
    expect(await errors.count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('table.import-errors').textContent()).toMatch(/INVALID_JSON/);
    await file.setInputFiles({
      name: 'good.jsonl',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(VALID),
    });
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.locator('table.import-summary').waitFor();
    expect(
      await page
        .locator('table.import-summary tr')
        .filter({ hasText: 'Conversations' })
        .locator('td')
        .textContent(),
    ).toBe('2');
    await screenshot(page, 'admin-import-desktop');
    const [{ n: examples }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM training_example WHERE source = 'transcript'`,
    );
    expect(examples).toBe(1);

    // Retrain with the tiny config and watch it finish.
    await page.getByRole('button', { name: 'Training jobs' }).click();
    await page.getByLabel('Config').selectOption('tiny');
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.locator('#job-status').waitFor();
    await page
      .locator('#job-status')
      .filter({ hasText: /succeeded|failed|cancelled/ })
      .waitFor({ timeout: TRAINING_TIMEOUT });
    // On failure, the page's own account of the job (error, phase, log) is the message.
    const outcome = await page.locator('#job-status').textContent();
    if (outcome !== 'succeeded')
      throw new Error(`training job ${outcome}:\n${await page.locator('section.jobs .detail').innerText()}`);
    expect(await page.locator('svg.plot polyline').count()).toBe(1);
    expect(await page.locator('pre.log-tail').textContent()).not.toBe('');
    await screenshot(page, 'admin-job-desktop');

    // The candidate's gate: per-intent deltas and a confusion matrix.
    await page.getByRole('button', { name: 'Open the model and its gate' }).click();
    const gate = page.locator('.gate');
    await gate.waitFor();
    expect(await page.locator('table.per-intent tbody tr').count()).toBeGreaterThan(5);
    expect(await page.locator('table.confusion tbody tr').count()).toBeGreaterThan(5);
    await screenshot(page, 'admin-gate-desktop');
    const passed = (await gate.getAttribute('data-passed')) === 'true';
    await page.getByRole('button', { name: 'Promote', exact: true }).click();
    if (!passed) {
      // A 240-example model is worse than the default: the gate refuses, the admin forces with a reason.
      await page.getByRole('alert').filter({ hasText: /gate/i }).waitFor();
      await page.getByLabel(/Reason for promoting/).fill('browser test: proving promote and rollback');
      await page.getByRole('button', { name: 'Force promote' }).click();
    }
    // Every server test-loads the candidate first (slow on a busy CPU); the outcome stays in the list's notice.
    await page.getByText(/is now active\./).waitFor({ timeout: 180_000 });
    const promoted = await waitForVersion((v) => v !== original);
    expect(promoted).not.toBe(original);

    // The widget's next answer comes from the new version.
    expect((await ask(customer.page, QUESTION)).version).toBe(promoted);

    // Roll back: the old version answers again, with the same reading of the question.
    await page.getByRole('button', { name: 'Roll back to the previous model' }).click();
    // The server test-loads the old folder first (slow on a busy CPU); whatever it answers is shown in the notice.
    const rollbackNotice = page.locator('section.models .card .notice').first();
    await page.waitForFunction(
      (el: any) => el && el.textContent && !el.textContent.startsWith('Rolling back'),
      await rollbackNotice.elementHandle(),
      { timeout: 180_000 },
    );
    expect(await rollbackNotice.textContent()).toMatch(/Rolled back/);
    expect(await waitForVersion((v) => v === original)).toBe(original);
    const again = await ask(customer.page, QUESTION);
    expect(again).toEqual(first);

    // The retired candidate is not needed any more: delete it, and its folder with it.
    const [{ dir }] = await t.dataSource.query(`SELECT dir FROM model_version WHERE version = $1`, [promoted]);
    expect(existsSync(join(dir, 'manifest.json'))).toBe(true);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete this version' }).click();
    await page.getByText(`Deleted ${promoted} and its folder.`).waitFor();
    expect(await t.dataSource.query(`SELECT id FROM model_version WHERE version = $1`, [promoted])).toEqual([]);
    expect(existsSync(dir)).toBe(false);

    await page.setViewportSize(PHONE);
    expect(await overflowing(page)).toEqual([]);
    await screenshot(page, 'admin-gate-phone');
    // Chrome logs every 4xx response; the bad transcript file (400) and the gate's refusal (409) were meant.
    const expected = /status of (400 .*\/api\/transcripts\/import|409 .*\/promote)/;
    expect([...admin.problems, ...customer.problems].filter((p) => !expected.test(p))).toEqual([]);
    await admin.context.close();
    await customer.context.close();
  });

  it('edits the knowledge base and templates through the content API', async () => {
    const admin = await openPage(browser);
    const page = admin.page;
    await signInPage(page, `${t.url}/admin`, ADMIN.email, TEST_PASSWORD);

    await page.getByRole('button', { name: 'Knowledge base' }).click();
    await page.getByRole('button', { name: 'New article' }).click();
    const title = 'Gift wrapping <b>& bows</b>';
    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Slug').fill('gift-wrapping');
    await page
      .getByLabel('Example questions (one per line)')
      .fill('can you gift wrap my order?\ndo you do gift wrapping');
    await page.getByLabel('Body').fill('Pick "Gift wrap" at checkout; we add a card with your message.');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    const [article] = await t.dataSource.query(
      `SELECT title, questions FROM kb_article WHERE slug = 'gift-wrapping'`,
    );
    expect(article.title).toBe(title);
    // Shown as text in the list, never as markup.
    await page.getByLabel('Search knowledge base').fill('gift');
    const row = page.locator('.content-articles .row-button').filter({ hasText: 'Gift wrapping' });
    expect(await row.locator('.row-text').textContent()).toBe(title);
    expect(await page.locator('.content-articles .row-text b').count()).toBe(0);
    await screenshot(page, 'admin-kb-desktop');

    await row.click();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText('Deleted.').waitFor();
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM kb_article WHERE slug = 'gift-wrapping'`,
    );
    expect(n).toBe(0);

    // Templates: turn one variant list into another, hand the answer to the fulfillment webhook, and save.
    await page.getByRole('button', { name: 'Templates' }).click();
    await page.getByLabel('Search answer templates').fill('check_payment_methods');
    await page.locator('.content-templates .row-button').first().click();
    const variants = page.getByLabel(/Reply variants/);
    await variants.fill(
      'We take cards, PayPal and bank transfer. Questions? Call {{company.support_phone}}.',
    );
    const webhook = page.getByLabel(/fulfillment webhook/);
    expect(await webhook.isChecked()).toBe(false);
    await webhook.check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    const [template] = await t.dataSource.query(
      `SELECT variants, webhook FROM answer_template WHERE intent = 'check_payment_methods'`,
    );
    expect(template.variants).toEqual([
      'We take cards, PayPal and bank transfer. Questions? Call {{company.support_phone}}.',
    ]);
    expect(template.webhook).toBe(true);
    await page.locator('.content-templates .row-button').first().getByText(/· webhook/).waitFor();

    // Canned responses for the agents: the short code is kept as an agent types it after "/".
    await page.getByRole('button', { name: 'Canned responses' }).click();
    await page.getByRole('button', { name: 'New canned response' }).click();
    await page.getByLabel(/Short code/).fill('/Delivery-Delay');
    await page.getByLabel('Title').fill('Delivery delayed');
    await page.getByLabel(/^Reply \(/).fill('Sorry for the wait. {{agent.name}} is checking with the carrier now.');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const canned = page.locator('.content-canned');
    await canned.getByText('Saved.').waitFor();
    expect(await t.dataSource.query(`SELECT short_code, title FROM canned_response`)).toEqual([
      { short_code: 'delivery-delay', title: 'Delivery delayed' },
    ]);
    await canned.locator('.row-button').filter({ hasText: '/delivery-delay' }).waitFor();
    // A placeholder nothing fills is refused with the reason, in the form.
    await page.getByLabel(/^Reply \(/).fill('Your order {{order_id}} is late.');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await canned.getByText(/a canned response may use only/).waitFor();

    await page.getByRole('button', { name: 'Templates' }).click();
    await page.setViewportSize(PHONE);
    expect(await overflowing(page)).toEqual([]);
    await screenshot(page, 'admin-templates-phone');
    // The one refused save above is the only error the page saw.
    expect(admin.problems).toEqual([expect.stringMatching(/status of 400 .*\/api\/content\/canned-responses\//)]);
    await admin.context.close();
  });

  it('shows how the bot did: conversations, answered replies, intents, model versions, day by day', async () => {
    const customer = await openPage(browser);
    await customer.page.goto(`${t.url}/demo`);
    await widget(customer.page).open();
    const { version } = await ask(customer.page, 'where is my order 55512');
    const [{ replies }] = await t.dataSource.query(`SELECT count(*)::int AS replies FROM message WHERE author = 'bot'`);

    const admin = await openPage(browser);
    const page = admin.page;
    await signInPage(page, `${t.url}/admin`, ADMIN.email, TEST_PASSWORD);
    await page.getByRole('button', { name: 'Analytics' }).click();
    const overview = page.locator('table.analytics-overview');
    await overview.waitFor();
    const row = (name: string) => overview.locator('tr', { has: page.locator('th', { hasText: name }) }).locator('td');
    expect(await row('Bot replies').textContent()).toBe(String(replies));
    await page.getByRole('table', { name: 'Intents with the most replies' }).getByRole('cell', { name: 'track_order' }).waitFor();
    await page.getByRole('table', { name: 'Model versions, newest first' }).getByText(version, { exact: false }).waitFor();
    await page.getByLabel('Period').selectOption('30');
    await page.getByRole('table', { name: 'Day by day (UTC)' }).locator('tbody tr').nth(29).waitFor();
    await page.setViewportSize(PHONE);
    expect(await overflowing(page)).toEqual([]);
    await screenshot(page, 'admin-analytics-phone');
    expect(admin.problems).toEqual([]);
    expect(customer.problems).toEqual([]);
    await customer.context.close();
    await admin.context.close();
  });

  it('makes an API token shown once, which a script then uses, and revokes it', async () => {
    const admin = await openPage(browser);
    const page = admin.page;
    await signInPage(page, `${t.url}/admin`, ADMIN.email, TEST_PASSWORD);
    await page.getByRole('button', { name: 'API tokens' }).click();
    await page.getByLabel('What it is for').fill('weekly retrain <job>');
    await page.getByLabel('Expires after').selectOption('30');
    await page.getByRole('button', { name: 'Make token' }).click();
    const shown = page.getByLabel('New API token');
    await shown.waitFor();
    const token = await shown.inputValue();
    expect(token).toMatch(/^pat_/);
    const me = async () => (await fetch(`${t.url}/api/auth/me`, { headers: bearer(token) })).status;
    expect(await me()).toBe(200);
    const row = page.locator('section.tokens tbody tr').filter({ hasText: 'weekly retrain <job>' });
    await row.waitFor();
    expect(await row.locator('code').textContent()).toBe(`${token.slice(0, 12)}…`);
    expect(await page.locator('section.tokens tbody').textContent()).not.toContain(token);
    await page.setViewportSize(PHONE);
    expect(await overflowing(page)).toEqual([]);
    await screenshot(page, 'admin-tokens-phone');

    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('Revoked "weekly retrain <job>".').waitFor();
    await row.waitFor({ state: 'detached' });

    // Another user's token (an agent's script) is listed with its owner, and the admin revokes it.
    const agent = await signIn(t, 'agent');
    const agentToken = (await callApi<{ token: string }>(t.url, 'POST', '/api/auth/tokens', agent.token, { name: 'crm export' })).body.token;
    await page.getByRole('button', { name: 'API tokens' }).click();
    const theirs = page.locator('section.tokens .others tbody tr').filter({ hasText: 'crm export' });
    await theirs.waitFor();
    expect(await theirs.textContent()).toContain(agent.user.email);
    page.once('dialog', (dialog) => void dialog.accept());
    await theirs.getByRole('button', { name: 'Revoke' }).click();
    await theirs.waitFor({ state: 'detached' });
    expect((await fetch(`${t.url}/api/auth/me`, { headers: bearer(agentToken) })).status).toBe(401);
    expect(await me()).toBe(401);
    expect(admin.problems).toEqual([]);
    await admin.context.close();
  });

  it("shows the event webhook's deliveries with why they failed, and sends failed ones again", async () => {
    // A conversation over the REST channel: its messages are events for the webhook, which nothing receives.
    const res = await fetch(`${t.url}/api/channels/rest/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientMessageId: 'wh-1', text: 'hello' }) });
    expect(res.status).toBe(200);
    await until('both deliveries failed', async () => {
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM webhook_delivery WHERE status = 'failed'`);
      return n >= 2;
    });
    const admin = await openPage(browser);
    const page = admin.page;
    await signInPage(page, `${t.url}/admin`, ADMIN.email, TEST_PASSWORD);
    await page.getByRole('button', { name: 'Webhooks' }).click();
    // The receiver's origin only: a path or query may hold a token.
    await page.getByText(/Posting message\.created, .* to http:\/\/127\.0\.0\.1:9\./).waitFor();
    expect(await page.locator('section.webhooks').textContent()).not.toContain('parley-hooks');
    await page.getByLabel('Show').selectOption('failed');
    const rows = page.locator('section.webhooks tbody tr[data-status="failed"]');
    await rows.first().waitFor();
    expect(await page.locator('section.webhooks tbody tr:not([data-status="failed"])').count()).toBe(0);
    // fetch refuses port 9 itself ("bad port"); any failure shows its reason here.
    expect(await rows.first().locator('td').nth(3).textContent()).toMatch(/bad port|ECONNREFUSED/);
    await rows.first().getByRole('button', { name: 'Send again' }).click();
    await page.getByText('1 sent again.').waitFor();
    await page.getByRole('button', { name: 'Send all failed again' }).click();
    await page.getByText(/^\d+ sent again\.$/).waitFor();
    await page.setViewportSize(PHONE);
    expect(await overflowing(page)).toEqual([]);
    expect(admin.problems).toEqual([]);
    await admin.context.close();
  });
});

import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Browser, BrowserContext, chromium, Locator, Page } from 'playwright-core';
import { effectiveThresholds } from '@app/conversation';
import { NluService } from '@app/nlu';
import { ask, bootTestApp, startConversation, TestApp } from '@app/testing';

/** Debian's Chromium (`apt-get install chromium`, done by `scripts/setup.sh --services`). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 640 };

/** How long a page may take to show a reply: the model runs on a CPU shared with other jobs. */
export const UI_TIMEOUT = 30_000;

/**
 * Boots the real server (PGlite, the real model) and Chromium once for a test file and closes both after it.
 * Read `t` and `browser` inside tests (they are set by the time a test runs).
 */
export function useServerAndBrowser(env: Record<string, string> = {}): { readonly t: TestApp; readonly browser: Browser } {
  const suite = {} as { t: TestApp; browser: Browser };
  beforeAll(async () => {
    [suite.t, suite.browser] = await Promise.all([bootTestApp({ kind: 'pglite' }, env), launchBrowser()]);
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.t?.close();
  });
  return suite;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: run scripts/setup.sh --services (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * A fresh context (its own localStorage) and page. Failed requests, page errors and console errors are
 * collected so a test can assert the page ran cleanly.
 */
export async function openPage(
  browser: Browser,
  viewport = DESKTOP,
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(UI_TIMEOUT);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()} (${message.location().url})`);
  });
  return { context, page, problems };
}

/**
 * Screenshots for docs/screenshots, written only when PARLEY_SCREENSHOTS=1 (so a test run does not dirty the
 * working tree); small PNGs of the viewport only.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.PARLEY_SCREENSHOTS !== '1') return;
  const dir = resolve('docs/screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: false });
}

/** The widget's parts (inside its open shadow root, which Playwright's CSS locators pierce). */
export function widget(page: Page) {
  const root = page.locator('#parley-widget');
  return {
    launcher: root.locator('button.launcher'),
    panel: root.locator('#parley-panel'),
    input: root.getByLabel('Your message'),
    send: root.locator('button.send'),
    log: root.locator('ol.log'),
    messages: root.locator('ol.log > li'),
    customer: root.locator('li.msg.customer'),
    bot: root.locator('li.msg.bot'),
    agent: root.locator('li.msg.agent'),
    system: root.locator('li.msg.system'),
    alert: root.locator('.alert'),
    async open(): Promise<void> {
      if ((await this.launcher.getAttribute('aria-expanded')) !== 'true') await this.launcher.click();
      await this.input.waitFor({ state: 'visible' });
    },
    /** Types and sends `text` and waits until the server acknowledged it. */
    async say(text: string): Promise<Locator> {
      const before = await this.customer.count();
      await this.input.fill(text);
      await this.input.press('Enter');
      const bubble = this.customer.nth(before);
      await bubble.and(page.locator('[data-state="sent"]')).waitFor();
      return bubble;
    },
  };
}

/** Signs in through a console page's form (`/agent` or `/admin`). */
export async function signInPage(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/**
 * An off-topic message the loaded model sends to the fallback: one it reads as `out_of_scope` (always a fallback),
 * else the least confident of a few, which must score below the retrieval threshold.
 */
export async function fallbackText(t: TestApp): Promise<string> {
  const nlu = t.app.get(NluService);
  const candidates = ['I like turtles', 'hmm', 'xyz', 'what', 'thanks', 'why', 'asdf'];
  const scored = await Promise.all(candidates.map(async (text) => ({ text, parse: await nlu.parse(text) })));
  const outOfScope = scored.find((s) => s.parse.intent.name === 'out_of_scope');
  if (outOfScope) return outOfScope.text;
  const pick = scored.sort((a, b) => a.parse.intent.confidence - b.parse.intent.confidence)[0];
  const { retrieval } = effectiveThresholds(pick.parse.thresholds, t.config.nlu.thresholds);
  if (pick.parse.intent.confidence >= retrieval)
    throw new Error(`no fallback candidate: "${pick.text}" scores ${pick.parse.intent.confidence}`);
  return pick.text;
}

/**
 * A vague message the loaded model and knowledge base answer with the fallback and a "did you mean" button, and that
 * button's text, found over a socket.io conversation of its own (the first of a few that does; none hard-coded).
 */
export async function didYouMeanText(t: TestApp): Promise<{ text: string; button: string }> {
  const { socket } = await startConversation(t.url);
  try {
    for (const text of ['problem with my stuff', 'the thing I bought', 'issue with my stuff', 'a problem with my purchase thing']) {
      const reply = await ask(socket, text);
      const button = reply.route === 'fallback' ? reply.suggestions?.find((s) => s.action === 'message:send') : undefined;
      if (button) return { text, button: button.text };
    }
    throw new Error('no vague message got a "did you mean" button with this model');
  } finally {
    socket.disconnect();
  }
}

/**
 * [] when the page does not scroll sideways; otherwise the elements that stick out past the viewport's right
 * edge (outside boxes that scroll on their own), as `tag.class#id`, so the failure says what to fix.
 */
export async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    const scrolls = (el) => { for (let p = el.parentElement; p; p = p.parentElement) { const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; } return false; };
    return [...document.querySelectorAll('body *')]
      // An absolutely positioned element escapes a scrolling parent that is not positioned itself: count it.
      .filter((el) => el.getClientRects().length && el.getBoundingClientRect().right > width + 1 && (getComputedStyle(el).position === 'absolute' || !scrolls(el)))
      .map((el) => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') + (el.id ? '#' + el.id : ''))
      .slice(0, 10);
  })()`);
}

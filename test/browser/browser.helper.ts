import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Browser, BrowserContext, chromium, Locator, Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`, done by `scripts/setup.sh --services`). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 640 };

/** How long a page may take to show a reply: the model runs on a CPU shared with other jobs. */
export const UI_TIMEOUT = 30_000;

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

import type { Browser } from 'playwright-core';
import { bootTestApp, makePgliteDir, removeDir, TestApp } from '@app/testing';
import { launchBrowser, openPage, screenshot, widget } from './browser.helper';

/**
 * The widget outside business hours, in headless Chromium against the real server (PGlite): the header says the team
 * is away and when it is back, and asking for a person gets the after-hours note with the email field.
 */
jest.setTimeout(300_000);

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe('widget outside business hours (browser)', () => {
  let t: TestApp;
  let browser: Browser;
  const dir = makePgliteDir();

  beforeAll(async () => {
    // Closed yesterday, today and tomorrow (UTC): away whatever the hour, back at midnight the day after tomorrow.
    [t, browser] = await Promise.all([
      bootTestApp({ kind: 'pglite', pgliteDir: dir }, { BUSINESS_CLOSED_DATES: [day(-1), day(0), day(1)].join(','), BUSINESS_TIMEZONE: 'UTC' }),
      launchBrowser(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    removeDir(dir);
  });

  it('says the team is away and when it is back, and offers the email field on a request for a person', async () => {
    const { context, page, problems } = await openPage(browser);
    await page.goto(`${t.url}/demo`);
    const w = widget(page);
    await w.open();
    const away = page.locator('#parley-widget .availability');
    await away.waitFor();
    const weekday = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', weekday: 'long' }).format(new Date(`${day(2)}T00:00:00Z`));
    expect(await away.textContent()).toBe(`We're away · back ${weekday} at 00:00 (UTC)`);

    await w.say('can I talk to a real person please');
    await w.system.first().waitFor();
    expect(await w.system.first().locator('.text').textContent()).toContain(`Our team is away right now and back ${weekday} at 00:00 (UTC).`);
    await w.system.first().locator('form.contact').getByLabel('Your email').waitFor();
    await screenshot(page, 'widget-after-hours-desktop');
    expect(problems).toEqual([]);
    await context.close();
  });
});

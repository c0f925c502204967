import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Locator } from 'playwright-core';
import type { Gateway } from '../../src/server/gateway.js';
import { lastDays } from '../../src/util/local-day.js';
import {
  chromiumMissing,
  freshContext,
  launchThroughProxy,
  screenshot,
  watchConsole,
} from '../helpers/browser.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';
import { startOrigin, type Origin } from '../helpers/origin.js';
import { logIn, webPagesManagersToml } from '../helpers/web-pages.js';

// The 30-day bar charts of /status (the user's own) and /admin (per group, and one user on a click),
// in Debian's chromium: every bar is the day the store holds, and its height is its share of the
// highest day. The days before today are written to the store as the ledger writes them; today's
// come from a real download through the proxy.

const missing = chromiumMissing();
if (missing !== undefined && process.env['CI'] === 'true') {
  it('has chromium to run the browser tests (CI installs it)', () => assert.fail(missing));
}

const MB = 1024 * 1024;
/** The plot's height in the SVG's units (web/js/bar-chart.js: HEIGHT − TOP − BOTTOM). */
const PLOT_HEIGHT = 144;

interface Bar {
  day: string;
  bytes: number;
  height: number;
}

async function barsOf(chart: Locator): Promise<Bar[]> {
  const rects = await chart.locator('rect.bar').all();
  return Promise.all(
    rects.map(async (r) => ({
      day: (await r.getAttribute('data-day')) ?? '',
      bytes: Number(await r.getAttribute('data-bytes')),
      height: Number(await r.getAttribute('height')),
    })),
  );
}

/** Each bar's height is its day's share of the highest day (a day with traffic at least a sliver). */
function assertHeights(bars: readonly Bar[]): void {
  const max = Math.max(...bars.map((b) => b.bytes));
  for (const b of bars) {
    const expected = b.bytes === 0 ? 0 : Math.max(1.5, (b.bytes / max) * PLOT_HEIGHT);
    assert.ok(Math.abs(b.height - expected) < 0.02, `${b.day}: height ${b.height}, expected ${expected}`);
  }
}

describe('the 30-day charts in a browser', { skip: missing ?? false }, () => {
  let gateway: Gateway;
  let origin: Origin;
  let browser: Browser;
  let cleanup: () => void;
  let api: string;
  let days: string[];

  /** What the store holds for `users` under "down", one entry per charted day. */
  const stored = (users: string[]) => {
    const sums = gateway.services.store.daily.sum(
      'down',
      { first: days[0] ?? '', last: days.at(-1) ?? '' },
      users,
    );
    return days.map((day) => ({ day, bytes: sums.get(day) ?? 0 }));
  };

  before(async () => {
    origin = await startOrigin();
    const cfg = writeConfigDir(await webPagesManagersToml());
    cleanup = cfg.cleanup;
    gateway = await startGateway(cfg.dir);
    api = gateway.web.url;
    browser = await launchThroughProxy(gateway.proxyAddress.port, api);
    days = lastDays(new Date(), 30);
    const { daily } = gateway.services.store;
    const on = (back: number) => days[days.length - 1 - back] ?? '';
    daily.add('down', on(29), new Map([['alice', 5 * MB]]));
    daily.add(
      'down',
      on(10),
      new Map([
        ['alice', 1 * MB],
        ['bob', 3 * MB],
      ]),
    );
    daily.add(
      'down',
      on(3),
      new Map([
        ['alice', 50 * MB],
        ['bob', 2 * MB],
      ]),
    );
    daily.add('down', on(1), new Map([['admin', 7 * MB]]));
    // Older than the chart: not drawn.
    daily.add('down', '2020-01-01', new Map([['alice', 99 * MB]]));
  });

  after(async () => {
    await browser?.close();
    await gateway?.stop();
    await origin?.close();
    cleanup?.();
  });

  it("draws the user's own days on /status, today's download included", async () => {
    const context = await freshContext(browser);
    const page = await context.newPage();
    const problems = watchConsole(page);
    await page.goto(`${api}/login?next=%2Fstatus`);
    await logIn(page, 'alice', 'alice-pass');
    await page.waitForURL(`${api}/status`);
    // The origin sends bytes as a file: the browser saves it, through the proxy, as alice.
    const saved = page.waitForEvent('download');
    await page.goto(`${origin.base}/bytes/${300 * 1024}`).catch(() => undefined);
    assert.equal(await (await saved).failure(), null);
    // The ledger writes what was charged every second.
    const today = days.at(-1) ?? '';
    for (let i = 0; i < 50 && (stored(['alice']).at(-1)?.bytes ?? 0) < 300 * 1024; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok((stored(['alice']).at(-1)?.bytes ?? 0) >= 300 * 1024, `today (${today}) holds the download`);

    await page.goto(`${api}/status`);
    const chart = page.locator('#history svg.bar-chart');
    await chart.waitFor();
    const bars = await barsOf(chart);
    assert.deepEqual(
      bars.map(({ day, bytes }) => ({ day, bytes })),
      stored(['alice']),
    );
    assert.equal(bars.length, 30);
    assertHeights(bars);
    assert.equal(Math.max(...bars.map((b) => b.height)), PLOT_HEIGHT, 'the highest day fills the plot');
    assert.match((await chart.getAttribute('aria-label')) ?? '', /56\.\d MB in the last 30 days, most on/u);
    await page.locator('#history summary', { hasText: 'As a table' }).click();
    assert.equal(await page.locator('#history details tbody tr').count(), 4, 'the days with traffic');
    await screenshot(page, 'status-history');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('draws each group on /admin, and one user on a click on their name', async () => {
    const context = await freshContext(browser);
    const page = await context.newPage();
    const problems = watchConsole(page);
    await page.goto(`${api}/login?next=%2Fadmin`);
    await logIn(page, 'admin', 'admin-pass');
    await page.waitForURL(`${api}/admin`);

    const students = page.locator('#history-groups figure', { hasText: 'students (2 users)' });
    await students.waitFor();
    const groupBars = await barsOf(students);
    assert.deepEqual(
      groupBars.map(({ day, bytes }) => ({ day, bytes })),
      stored(['alice', 'bob']),
    );
    assertHeights(groupBars);
    const staff = page.locator('#history-groups figure', { hasText: 'staff (1 user)' });
    assert.deepEqual(
      (await barsOf(staff)).map(({ day, bytes }) => ({ day, bytes })),
      stored(['admin']),
    );

    await page.getByRole('button', { name: 'bob: show the last 30 days' }).click();
    const bob = page.locator('#history-user figure', { hasText: 'bob: downloaded per day' });
    await bob.waitFor();
    assert.deepEqual(
      (await barsOf(bob)).map(({ day, bytes }) => ({ day, bytes })),
      stored(['bob']),
    );
    await screenshot(page, 'admin-history');
    assert.deepEqual(problems, []);
    await context.close();
  });
});

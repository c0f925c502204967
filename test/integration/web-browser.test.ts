import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { Gateway } from '../../src/server/gateway.js';
import {
  chromiumMissing,
  freshContext,
  launchThroughProxy,
  screenshot,
  watchConsole,
} from '../helpers/browser.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';
import { logIn, webPagesManagersToml } from '../helpers/web-pages.js';
import { startOrigin, type Origin } from '../helpers/origin.js';

// The web pages end to end, in Debian's chromium with pmproxy as its proxy: the proxy's deny page,
// the login page, the page loading through the proxy once logged in, the status page's quota bar,
// logout, and the admin page. WEB_SCREENSHOTS=DIR saves a screenshot of each page.

const missing = chromiumMissing();
if (missing !== undefined && process.env['CI'] === 'true') {
  it('has chromium to run the browser tests (CI installs it)', () => assert.fail(missing));
}

describe('the web pages in a browser behind the proxy', { skip: missing ?? false }, () => {
  let gateway: Gateway;
  let origin: Origin;
  let browser: Browser;
  let cleanup: () => void;
  let api: string;
  /** The page of the origin the user wants, through the proxy. */
  let wanted: string;

  before(async () => {
    origin = await startOrigin();
    const cfg = writeConfigDir(await webPagesManagersToml());
    cleanup = cfg.cleanup;
    gateway = await startGateway(cfg.dir);
    api = gateway.web.url;
    wanted = `${origin.base}/welcome`;
    browser = await launchThroughProxy(gateway.proxyAddress.port, api);
  });

  after(async () => {
    await browser?.close();
    await gateway?.stop();
    await origin?.close();
    cleanup?.();
  });

  it('denies, logs in from the deny page, loads the page through the proxy, shows the quota, logs out', async () => {
    const context = await freshContext(browser);
    const page = await context.newPage();
    const problems = watchConsole(page);

    const denied = await page.goto(wanted);
    assert.equal(denied?.status(), 403);
    assert.equal(origin.requests.length, 0, 'the proxy did not let the request reach the origin');
    await page.getByRole('heading', { name: 'Access denied by' }).waitFor();
    assert.match(
      await page.locator('body').innerText(),
      /sessions \(sessionIPM\): no session for 127\.0\.0\.1/u,
    );
    await screenshot(page, 'deny');

    await page.getByRole('link', { name: 'Log in' }).click();
    await page.waitForURL(`${api}/login?next=${encodeURIComponent(wanted)}`);
    assert.equal(await page.locator('#next-host').innerText(), new URL(origin.base).host);

    await logIn(page, 'alice', 'wrong-pass');
    await page
      .getByRole('alert')
      .filter({ hasText: /wrong user or password/iu })
      .waitFor();
    await screenshot(page, 'login-error');

    await logIn(page, 'alice', 'alice-pass');
    await page.waitForURL(wanted);
    assert.equal(await page.locator('body').innerText(), 'hello');
    assert.ok(origin.requests.some((r) => r.url === '/welcome'));

    await page.goto(`${api}/status`);
    const meter = page.locator('meter#quota-meter');
    await meter.waitFor();
    const used = Number(await meter.getAttribute('value'));
    assert.ok(used > 0, `the bar shows the bytes of the page (${used})`);
    assert.equal(Number(await meter.getAttribute('max')), 100 * 1024 * 1024);
    assert.match(await page.locator('#quota-text').innerText(), /^\d+ B of 100\.0 MB$/u);
    assert.match(
      (await page.locator('#quota-reset time').getAttribute('datetime')) ?? '',
      /T00:00:00\.000Z$/u,
    );
    assert.equal(await page.locator('#user').innerText(), 'alice');
    const sessionsRow = page.locator('#discover-rows tr', { hasText: 'sessionIPM' });
    assert.match(await sessionsRow.innerText(), /✓/u);
    assert.equal(await page.locator('#admin-link').isVisible(), false, 'alice is no admin');
    await screenshot(page, 'status');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${api}/login`);
    assert.equal(gateway.services.sessions.list().length, 0);
    const again = await page.goto(wanted);
    assert.equal(again?.status(), 403);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('follows next only to http(s) URLs and paths of its own', async () => {
    const context = await freshContext(browser);
    const page = await context.newPage();
    for (const next of [
      'javascript:alert(1)',
      '//evil.example/',
      'data:text/html,x',
      '/..//evil.example',
      '/.//evil.example/',
      '/%2e%2e//evil.example',
      '/a/../..//evil.example',
    ]) {
      await page.goto(`${api}/login?next=${encodeURIComponent(next)}`);
      await logIn(page, 'bob', 'bob-pass');
      await page.waitForURL(`${api}/status`);
    }
    await context.close();
  });

  it('tells a user who is not an admin that the admin page is not for them', async () => {
    const context = await freshContext(browser);
    const page = await context.newPage();
    await page.goto(`${api}/admin`);
    await page.waitForURL(`${api}/login?next=%2Fadmin`);
    await logIn(page, 'alice', 'alice-pass');
    await page.waitForURL(`${api}/admin`);
    await page.getByRole('alert').filter({ hasText: 'alice, who is not an admin' }).waitFor();
    assert.equal(await page.locator('#admin').isVisible(), false);
    await screenshot(page, 'admin-refused');
    await context.close();
  });

  it('lets an admin close a session, reset a quota and manage users', async () => {
    const { sessions, consumption } = gateway.services;
    sessions.open('sessions', 'users', '10.9.8.7', 'bob');
    consumption.set('down', 'alice', 12_345_678);

    const context = await freshContext(browser);
    const page = await context.newPage();
    const problems = watchConsole(page);
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${api}/login?next=%2Fadmin`);
    await logIn(page, 'admin', 'admin-pass');
    await page.waitForURL(`${api}/admin`);

    const bobRow = page.locator('#sessions-rows tr', { hasText: '10.9.8.7' });
    await bobRow.waitFor();
    await screenshot(page, 'admin');
    await bobRow.getByRole('button', { name: "Close bob's sessions" }).click();
    await page.locator('#sessions-message', { hasText: 'Closed 1 session of bob.' }).waitFor();
    await bobRow.waitFor({ state: 'detached' });
    assert.deepEqual(
      sessions.list().map((s) => s.user),
      ['admin'],
    );

    await page.getByLabel('User', { exact: true }).fill('alice');
    await page.getByRole('button', { name: 'Reset to 0' }).click();
    await page
      .locator('#quota-message', { hasText: "Reset alice's consumption: now 0 B of 100.0 MB." })
      .waitFor();
    assert.equal(consumption.used('down', 'alice'), 0);

    const add = page.locator('#add-user-form');
    await add.getByLabel('User name').fill('carol');
    await add.getByLabel('Password').fill('carol-pass');
    await add.getByLabel('Groups').fill('students, lab');
    await add.getByRole('button', { name: 'Add user' }).click();
    const carolRow = page.locator('#users-rows tr', { hasText: 'carol' });
    await carolRow.waitFor();
    assert.match(await carolRow.innerText(), /students, lab/u);
    await page.locator('#groups-rows tr', { hasText: 'lab' }).waitFor();

    await carolRow.getByRole('button', { name: 'Edit carol' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Display name').fill('Carol Lab');
    await dialog.getByLabel('Groups').fill('staff');
    await screenshot(page, 'admin-edit');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.locator('#users-message', { hasText: 'Saved carol.' }).waitFor();
    assert.deepEqual(gateway.services.store.getUser('carol')?.groups, ['staff']);
    assert.equal(gateway.services.store.getUser('carol')?.displayName, 'Carol Lab');

    await page
      .locator('#users-rows tr', { hasText: 'carol' })
      .getByRole('button', { name: 'Delete carol' })
      .click();
    await page.locator('#users-message', { hasText: 'Deleted carol.' }).waitFor();
    assert.equal(gateway.services.store.getUser('carol'), undefined);
    assert.deepEqual(problems, []);
    await context.close();
  });
});

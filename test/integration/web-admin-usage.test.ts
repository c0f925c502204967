import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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

// The admin page's usage table (adapted from web-browser.test.ts). The web pages end to end, in Debian's chromium with pmproxy as its proxy: the proxy's deny page,
// the login page, the page loading through the proxy once logged in, the status page's quota bar,
// logout, and the admin page. WEB_SCREENSHOTS=DIR saves a screenshot of each page.

const missing = chromiumMissing();
if (missing !== undefined && process.env['CI'] === 'true') {
  it('has chromium to run the browser tests (CI installs it)', () => assert.fail(missing));
}

describe('the admin usage table in a browser', { skip: missing ?? false }, () => {
  let gateway: Gateway;
  let origin: Origin;
  let browser: Browser;
  let cleanup: () => void;
  let api: string;

  before(async () => {
    origin = await startOrigin();
    const cfg = writeConfigDir(await webPagesManagersToml());
    cleanup = cfg.cleanup;
    gateway = await startGateway(cfg.dir);
    api = gateway.web.url;
    browser = await launchThroughProxy(gateway.proxyAddress.port, api);
  });

  after(async () => {
    await browser?.close();
    await gateway?.stop();
    await origin?.close();
    cleanup?.();
  });

  it('lists every user, filters, sorts, and sets and resets a consumption after confirming', async () => {
    const { consumption } = gateway.services;
    consumption.set('down', 'alice', 12_345_678);
    consumption.set('down', 'bob', 1_000);

    const context = await freshContext(browser);
    const page = await context.newPage();
    const problems = watchConsole(page);
    const asked: string[] = [];
    let answer = false;
    page.on('dialog', (dialog) => {
      asked.push(dialog.message());
      void (answer ? dialog.accept() : dialog.dismiss());
    });
    await page.goto(`${api}/login?next=%2Fadmin`);
    await logIn(page, 'admin', 'admin-pass');
    await page.waitForURL(`${api}/admin`);

    const aliceRow = page.locator('#usage-rows tr', { hasText: 'alice' });
    await aliceRow.waitFor();
    assert.match(
      await aliceRow.innerText(),
      /users \(read-only\)[\s\S]*students[\s\S]*11\.8 MB of 100\.0 MB/u,
    );
    await screenshot(page, 'admin-usage');

    await page.getByLabel('Filter').fill('bob');
    await aliceRow.waitFor({ state: 'detached' });
    await page.getByLabel('Filter').fill('');
    await page.getByRole('button', { name: 'Consumption', exact: true }).click();
    await page.getByRole('button', { name: 'Consumption', exact: true }).click();
    const first = await page.locator('#usage-rows tr').first().innerText();
    assert.match(first, /alice/u, 'the biggest consumption first when sorted descending');

    await aliceRow.getByRole('button', { name: "Reset alice's consumption" }).click();
    assert.deepEqual(asked, ["Reset alice's consumption to 0?"]);
    assert.equal(consumption.used('down', 'alice'), 12_345_678, 'dismissed: nothing changed');

    answer = true;
    await aliceRow.getByRole('button', { name: "Reset alice's consumption" }).click();
    await page
      .locator('#usage-message', { hasText: "Set alice's consumption: now 0 B of 100.0 MB." })
      .waitFor();
    assert.equal(consumption.used('down', 'alice'), 0);

    await aliceRow.getByLabel('New consumption of alice').fill('30 MB');
    await aliceRow.getByRole('button', { name: "Set alice's consumption", exact: true }).click();
    await page.locator('#usage-message', { hasText: 'now 30.0 MB of 100.0 MB' }).waitFor();
    assert.equal(consumption.used('down', 'alice'), 30 * 1024 * 1024);

    await aliceRow.getByLabel('New consumption of alice').fill('lots');
    await aliceRow.getByRole('button', { name: "Set alice's consumption", exact: true }).click();
    await page.locator('#usage-message', { hasText: 'is not a size' }).waitFor();
    assert.equal(consumption.used('down', 'alice'), 30 * 1024 * 1024);
    assert.deepEqual(
      problems.filter((p) => !p.includes('400')),
      [],
    );
    await context.close();
  });
  it('shows a flow in flight and cuts it after confirming', { timeout: 30_000 }, async () => {
    const held: ServerResponse[] = [];
    const slow = createServer((_req, res) => {
      res.writeHead(200);
      res.write(Buffer.alloc(2000, 1));
      held.push(res);
    });
    slow.listen(0, '127.0.0.1');
    await once(slow, 'listening');
    const port = (slow.address() as AddressInfo).port;
    const context = await freshContext(browser);
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${api}/login?next=%2Fadmin`);
    await logIn(page, 'admin', 'admin-pass');
    await page.waitForURL(`${api}/admin`);

    // The admin's own session (127.0.0.1) lets this request through the proxy.
    const req = request({
      host: '127.0.0.1',
      port: gateway.proxyAddress.port,
      path: `http://127.0.0.1:${port}/held`,
      headers: { host: `127.0.0.1:${port}` },
    });
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    res.on('error', () => undefined);
    res.resume();
    const closed = new Promise((resolve) => res.once('close', resolve));

    const row = page.locator('#connections-rows tr', { hasText: `127.0.0.1:${port}` });
    await row.waitFor({ timeout: 10_000 });
    assert.match(await row.innerText(), /admin[\s\S]*2\.0 KB/u);
    await screenshot(page, 'admin-connections');
    await row.getByRole('button', { name: `Cut admin's connection to 127.0.0.1:${port}` }).click();
    await page
      .locator('#connections-message', { hasText: `Cut admin's connection to 127.0.0.1:${port}.` })
      .waitFor();
    await closed;
    assert.equal(res.complete, false);
    await row.waitFor({ state: 'detached' });
    for (const r of held) r.destroy();
    slow.close();
    await context.close();
  });
});

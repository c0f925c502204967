import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { hashPassword } from '../../src/auth/passwords.js';
import type { Gateway } from '../../src/server/gateway.js';
import { CHROMIUM, chromiumMissing, freshContext, screenshot, watchConsole } from '../helpers/browser.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';
import { startOrigin, type Origin } from '../helpers/origin.js';

const missing = chromiumMissing();
if (missing !== undefined && process.env['CI'] === 'true') {
  it('has chromium to run the browser tests (CI installs it)', () => assert.fail(missing));
}

/**
 * The default configuration's shape without proxyAuth, and a quota small enough to use up in a test.
 * Headless chromium answers a 407 challenge with ERR_INVALID_AUTH_CREDENTIALS (it has no password
 * prompt to show), so the journey starts from the 403 deny page, whose "Log in" link is the 407
 * page's too.
 */
async function managersToml(): Promise<string> {
  return `
rule = "campus ∧ sessions ∧ down"
[sqlDB]
name = "users"
[sqlDB.seed.userPass]
alice = "${await hashPassword('alice-pass')}"
[sqlDB.seed.userGroup]
alice = ["students"]
[[sessionIPM]]
name = "sessions"
auth = "users"
[[rangeIPM]]
name = "campus"
cidr = ["127.0.0.0/8"]
[[dwnConsR]]
name = "down"
userDBN = "users"
resetCycle = "24h"
[dwnConsR.groupQuota]
students = "64 KB"
`;
}

/**
 * A browser whose only way out is the proxy: no bypass list at all, and `<-loopback>` takes away
 * chromium's implicit one, so even the gateway's own pages (on 127.0.0.1) are asked of the proxy,
 * as on a campus network where the gateway is just another address.
 */
function launchProxyOnly(proxyPort: number): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [`--proxy-server=http://127.0.0.1:${proxyPort}`, '--proxy-bypass-list=<-loopback>'],
  });
}

describe('a browser whose every request goes through the proxy', { skip: missing ?? false }, () => {
  let gateway: Gateway;
  let origin: Origin;
  let browser: Browser;
  let cleanup: () => void;

  before(async () => {
    origin = await startOrigin();
    const cfg = writeConfigDir(await managersToml());
    cleanup = cfg.cleanup;
    gateway = await startGateway(cfg.dir);
    browser = await launchProxyOnly(gateway.proxyAddress.port);
  });

  after(async () => {
    await browser?.close();
    await gateway?.stop();
    await origin?.close();
    cleanup?.();
  });

  it('denied → the login page through the proxy → log in → browse → quota used up', async () => {
    const api = gateway.web.url;
    const wanted = `${origin.base}/welcome`;
    const context = await freshContext(browser);
    const page = await context.newPage();
    const problems = watchConsole(page);

    const denied = await page.goto(wanted);
    assert.equal(denied?.status(), 403);
    await page.getByRole('heading', { name: 'Access denied by' }).waitFor();
    await screenshot(page, 'proxy-only-deny');

    // The link goes to https://127.0.0.1:APIPORT, which is not in connectPorts: the proxy serves it
    // in-process, so the login page loads.
    await page.getByRole('link', { name: 'Log in' }).click();
    await page.waitForURL(`${api}/login?next=${encodeURIComponent(wanted)}`);
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('alice-pass');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(wanted);
    assert.equal(await page.locator('body').innerText(), 'hello');

    // The session is at the browser's own address, seen by the API through the proxy.
    const sessions = gateway.services.sessions.list('sessions');
    assert.deepEqual(
      sessions.map((s) => `${s.user}@${s.ip}`),
      ['alice@127.0.0.1'],
    );

    // Bytes fetched by the page (a navigation to them would be a download), through the proxy.
    const fetched = await page.evaluate(async () => (await fetch('/bytes/100000')).status);
    assert.equal(fetched, 200);
    const usedUp = await page.goto(wanted);
    assert.equal(usedUp?.status(), 403);
    await page.getByRole('heading', { name: 'Your download quota is used up' }).waitFor();
    await screenshot(page, 'proxy-only-quota');

    // An https address the proxy refuses: the browser shows only its own error page …
    // (In a page of its own: chromium's error page would interrupt the next navigation.)
    const elsewhere = await context.newPage();
    await assert.rejects(elsewhere.goto('https://127.0.0.1:8443/'), /ERR_TUNNEL_CONNECTION_FAILED/u);
    await elsewhere.close();

    await page.goto(`${api}/status`);
    await page.locator('meter#quota-meter').waitFor();
    assert.match(await page.locator('#quota-text').innerText(), /64\.0 KB of 64\.0 KB/u);
    assert.match(await page.locator('#quota-percent').innerText(), /used up until/u);
    // … and /status says why, for both refusals.
    const refused = await page.locator('#refusals-list').innerText();
    assert.match(refused, /127\.0\.0\.1: secure connections to port 8443 are not allowed/u);
    assert.match(
      refused,
      /127\.0\.0\.1: down \(dwnConsR\): 64\.0 KB of 64\.0 KB used; it is whole again at /u,
    );
    await screenshot(page, 'proxy-only-status');
    // The one expected failure: the 100000 bytes were cut where the 64 KB quota ran out.
    assert.deepEqual(
      problems.filter((p) => !/ERR_CONTENT_LENGTH_MISMATCH|ERR_TUNNEL_CONNECTION_FAILED/u.test(p)),
      [],
    );
    await context.close();
  });
});

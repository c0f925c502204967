import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium: playwright-core downloads no browser of its own, and this machine fetches none. */
export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`;
}

/**
 * A headless chromium whose every request goes through pmproxy, except those to the API.
 *
 * Chromium never sends loopback addresses through a proxy unless told: `<-loopback>` removes that
 * implicit rule, so the 127.0.0.1 origins of the tests reach pmproxy as a remote site would. The API
 * stays direct, by a `host:port` entry: that is what proxy.pac gives real users (the API is not the
 * Internet), and through the proxy it could not be reached anyway, since the proxy CONNECTs only to
 * `connectPorts` (443). Proxy and API see the same client address (127.0.0.1), so a login on the API
 * is the session the proxy finds.
 */
export function launchThroughProxy(proxyPort: number, apiUrl: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      `--proxy-server=http://127.0.0.1:${proxyPort}`,
      `--proxy-bypass-list=<-loopback>;${new URL(apiUrl).host}`,
    ],
  });
}

/**
 * A fresh browser profile (no cookies). The API's certificate is the gateway's self-signed one, made
 * at start; headless chromium has no profile to trust it in, so certificate errors are ignored for
 * this context. Only the API is HTTPS here: the origins are plain HTTP through the proxy.
 */
export async function freshContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1000, height: 800 } });
}

/**
 * Collects what would show on a developer's console: script errors, CSP violations and failed
 * loads other than the answers the test expects (the proxy's 403s, a logged-out 401).
 */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (/status of (401|403|404)\b/u.test(message.text())) return;
    problems.push(`console: ${message.text()}`);
  });
  return problems;
}

/** With WEB_SCREENSHOTS=DIR, saves `DIR/web-<name>.png` (full page) for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env['WEB_SCREENSHOTS'];
  if (dir === undefined || dir === '') return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `web-${name}.png`), fullPage: true });
}

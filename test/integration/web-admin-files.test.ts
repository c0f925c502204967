import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ApiClient } from '../helpers/api-client.js';
import { apiManagersToml } from '../helpers/api-config.js';
import { CHROMIUM, chromiumMissing, freshContext, screenshot, watchConsole } from '../helpers/browser.js';
import { Client, filesToml } from '../helpers/files-client.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';

// The admin page's Files section in Debian's chromium: the stored files of a running file server,
// a file's versions with a download of an old one, and a delete after confirming; and the sentence
// shown instead when the gateway has no [files]. The browser goes to the API directly (no proxy):
// nothing here passes through the proxy.

const missing = chromiumMissing();
if (missing !== undefined && process.env['CI'] === 'true') {
  it('has chromium to run the browser tests (CI installs it)', () => assert.fail(missing));
}

/** Logged-in users upload to their own folder, keeping older versions. */
const MANAGERS = apiManagersToml('[policy]\nupload = "signed ∨ sessions"\n[[hmacUpload]]\nname = "signed"\n');
const ALICE = '127.0.0.2';
const OTHER_ADMIN = '127.0.0.3';
const NAME = '~alice/plan.bin';
/** Every byte value: a download that decoded or re-encoded anything would not match. */
const OLD = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) % 256));
const CURRENT = Buffer.from('the second version\n');

async function logInAsAdmin(page: Page, api: string): Promise<void> {
  await page.goto(`${api}/login?next=%2Fadmin`);
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill('admin-pass');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${api}/admin`);
}

describe('the admin Files section in a browser', { skip: missing ?? false }, () => {
  let browser: Browser;

  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  });
  after(async () => {
    await browser?.close();
  });

  it('lists a stored file, downloads its old version, and deletes it after confirming', async () => {
    const config = writeConfigDir(MANAGERS, filesToml());
    const gateway = await startGateway(config.dir);
    const context = await freshContext(browser);
    try {
      const api = ApiClient.of(gateway, config.dir);
      const files = new Client(gateway, readFileSync(join(config.dir, 'cert.pem'), 'utf8'));
      const alice = await api.login('alice', 'alice-pass', ALICE);
      for (const body of [OLD, CURRENT]) {
        const put = await files.send('/upload/~alice/plan.bin', {
          body,
          from: ALICE,
          headers: { authorization: `Bearer ${alice}` },
        });
        assert.ok(put.status === 201 || put.status === 204, put.text);
      }

      const page = await context.newPage();
      const problems = watchConsole(page);
      const asked: string[] = [];
      let accept = false;
      page.on('dialog', (dialog) => {
        asked.push(dialog.message());
        void (accept ? dialog.accept() : dialog.dismiss());
      });
      await logInAsAdmin(page, gateway.web.url);

      const row = page.locator('#files-rows tr', { hasText: NAME });
      await row.waitFor();
      assert.match(await row.innerText(), /~alice\/plan\.bin\s+19 B\s+2\s+alice\s+\S/u);
      assert.match(
        await page.locator('#files-usage').innerText(),
        /^The store holds 1 file \(19 B\); with older versions, 2 distinct contents take 319 B on disk\.$/u,
      );
      assert.equal(await page.locator('#files-absent').isVisible(), false);

      await page.getByLabel('Name starts with').fill('~bob/');
      await row.waitFor({ state: 'detached' });
      await page.locator('#files-rows td.empty', { hasText: 'No file name starts with that.' }).waitFor();
      await page.getByLabel('Name starts with').fill('~alice/');
      await row.waitFor();

      await row.getByRole('button', { name: `Versions of ${NAME}` }).click();
      const versions = page.locator('#files-versions-rows tr');
      await page.locator('#files-versions-title', { hasText: `Versions of ${NAME}` }).waitFor();
      assert.equal(await versions.count(), 2);
      assert.match(await versions.nth(0).innerText(), /^2 \(current\)\s+19 B/u);
      assert.match(await versions.nth(1).innerText(), /^1\s+300 B\s+application\/octet-stream\s+alice/u);
      await screenshot(page, 'admin-files');

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: `Download version 1 of ${NAME}` }).click(),
      ]);
      assert.equal(download.suggestedFilename(), 'plan.bin');
      assert.deepEqual(readFileSync(await download.path()), OLD);

      await row.getByRole('button', { name: `Delete ${NAME}` }).click();
      assert.deepEqual(asked, [`Delete ${NAME} with its 2 versions? This cannot be undone.`]);
      assert.notEqual(gateway.services.store.files.current(NAME), undefined, 'dismissed: still stored');

      accept = true;
      await row.getByRole('button', { name: `Delete ${NAME}` }).click();
      await page.locator('#files-message', { hasText: `Deleted ${NAME} (2 versions).` }).waitFor();
      await row.waitFor({ state: 'detached' });
      assert.equal(await page.locator('#files-versions').isVisible(), false, 'its versions are gone');
      const admin = await api.login('admin', 'admin-pass', OTHER_ADMIN);
      const listing = await api.call('/api/admin/files', { token: admin, from: OTHER_ADMIN });
      assert.deepEqual((listing.json as { files: unknown[] }).files, []);
      const gone = await api.call(`/api/admin/files/versions?path=${encodeURIComponent(NAME)}`, {
        token: admin,
        from: OTHER_ADMIN,
      });
      assert.equal(gone.status, 404);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
      await gateway.stop();
      config.cleanup();
    }
  });

  it('says in one sentence that there is no file server without [files]', async () => {
    const config = writeConfigDir(apiManagersToml());
    const gateway = await startGateway(config.dir);
    const context = await freshContext(browser);
    try {
      const page = await context.newPage();
      const problems = watchConsole(page);
      await logInAsAdmin(page, gateway.web.url);
      await page.locator('#files-absent', { hasText: 'This gateway has no file server' }).waitFor();
      assert.equal(await page.locator('#files').isVisible(), false);
      assert.equal(await page.locator('#files-message').innerText(), '');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
      await gateway.stop();
      config.cleanup();
    }
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, chromiumMissing } from '../helpers/browser.js';
import { startDownloadFixture, type DownloadFixture } from '../helpers/download-server.js';

// What a browser makes of a download opened directly (a link tapped in an XMPP client), in
// Debian's chromium: the CSP of each kind of file must let the browser's own viewer work (the image
// viewer's inline styles, the media document's <video> loading the file) and still keep HTML and
// SVG from rendering on the upload origin.

const missing = chromiumMissing();
if (missing !== undefined && process.env['CI'] === 'true') {
  it('has chromium to run the browser tests (CI installs it)', () => assert.fail(missing));
}

/** Two seconds of an 8 kHz, 8-bit mono sine: the smallest audio file chromium surely plays. */
function wav(): Buffer {
  const rate = 8000;
  const samples = Buffer.alloc(rate * 2);
  for (let i = 0; i < samples.length; i++) samples[i] = 128 + Math.round(100 * Math.sin(i / 5));
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + samples.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16); // the fmt chunk's size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // one channel
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate, 28); // bytes per second
  header.writeUInt16LE(1, 32); // bytes per frame
  header.writeUInt16LE(8, 34); // bits per sample
  header.write('data', 36);
  header.writeUInt32LE(samples.length, 40);
  return Buffer.concat([header, samples]);
}

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const ACTIVE_HTML = '<h1>hi</h1><script>document.title = "script ran"</script>';
const ACTIVE_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg"><script>document.title = "script ran"</script></svg>';

describe('downloads opened directly in a browser', { skip: missing ?? false }, () => {
  let fixture: DownloadFixture;
  let browser: Browser;

  before(async () => {
    fixture = await startDownloadFixture(Buffer.from('unused'));
    const files: [name: string, type: string, bytes: Buffer | string][] = [
      ['tone.wav', 'audio/wav', wav()],
      ['dot.png', 'image/png', PNG],
      ['note.txt', 'text/plain; charset=utf-8', `plain <b>text</b> ${ACTIVE_HTML}`],
      ['page.html', 'text/html', ACTIVE_HTML],
      ['icon.svg', 'image/svg+xml', ACTIVE_SVG],
    ];
    for (const [name, contentType, bytes] of files) {
      const path = join(fixture.dir, name);
      writeFileSync(path, bytes);
      fixture.serve(name, { path, size: Buffer.byteLength(bytes), contentType, name, etag: `"${name}"` });
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--autoplay-policy=no-user-gesture-required'],
    });
  });

  after(async () => {
    await browser?.close();
    await fixture.close();
  });

  /** Opens `name` in a fresh page, lets `look` check it, and returns what the console said. */
  async function visit(name: string, look: (page: Page) => Promise<void>): Promise<string[]> {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    const said: string[] = [];
    page.on('console', (message) => said.push(message.text()));
    try {
      await page.goto(`${fixture.server.base}/${name}`);
      await look(page);
      return said;
    } finally {
      await context.close();
    }
  }

  it('plays an audio file in the media document, with nothing blocked', async () => {
    const said = await visit('tone.wav', async (page) => {
      // The media document's <video> must have loaded the file again, under the download's CSP.
      // (Page code goes as strings: these tests compile without the DOM's types.)
      await page.waitForFunction('document.querySelector("video")?.readyState >= 1', null, {
        timeout: 5000,
      });
      const duration = await page.evaluate<number>('document.querySelector("video").duration');
      assert.equal(duration, 2);
    });
    assert.deepEqual(said, []);
  });

  it('shows an image in the image viewer, with nothing blocked', async () => {
    const said = await visit('dot.png', async (page) => {
      const width = await page.evaluate<number>('document.querySelector("img").naturalWidth');
      assert.equal(width, 1);
    });
    assert.deepEqual(said, []);
  });

  it('shows plain text as text, not as the HTML in it', async () => {
    await visit('note.txt', async (page) => {
      assert.match(await page.locator('body').innerText(), /^plain <b>text<\/b> <h1>/);
      assert.equal(await page.locator('h1').count(), 0);
      assert.notEqual(await page.title(), 'script ran');
    });
  });

  for (const name of ['page.html', 'icon.svg']) {
    it(`downloads ${name} rather than rendering it`, async () => {
      const context = await browser.newContext({ acceptDownloads: true });
      try {
        const page = await context.newPage();
        const download = page.waitForEvent('download');
        await page.goto(`${fixture.server.base}/${name}`).catch(() => undefined);
        assert.equal((await download).suggestedFilename(), name);
      } finally {
        await context.close();
      }
    });
  }
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Gateway } from '../../src/server/gateway.js';
import type { Logger } from '../../src/util/logger.js';
import { MANAGERS } from '../helpers/files-client.js';
import { writeConfigDir } from '../helpers/gateway.js';
import {
  ATTACKER,
  GOOD_CLIENT,
  limitedServerToml,
  openTcp,
  openTls,
  type Connection,
} from '../helpers/slow-clients.js';

interface Line {
  readonly level: 'info' | 'warn' | 'error';
  readonly msg: string;
}

function capturingLogger(lines: Line[]): Logger {
  return {
    info: (msg) => lines.push({ level: 'info', msg }),
    warn: (msg) => lines.push({ level: 'warn', msg }),
    error: (msg) => lines.push({ level: 'error', msg }),
  };
}

/** Sends `head` on a new connection from `from` and returns what came back once the server closed. */
async function exchange(
  listener: 'HTTPS' | 'plain',
  url: string,
  head: string | Buffer,
  from = ATTACKER,
): Promise<Connection> {
  const c = listener === 'HTTPS' ? await openTls(url, from, 'http/1.1') : await openTcp(url, from);
  c.socket.write(head);
  await c.closed;
  return c;
}

describe('the API and file listeners refuse malformed requests with a short answer', () => {
  let gateway: Gateway;
  let cleanup: () => void;
  const lines: Line[] = [];
  const urls = (): Array<['HTTPS' | 'plain', string]> => [
    ['HTTPS', gateway.web.url.replace('localhost', '127.0.0.1')],
    ['plain', gateway.plainFiles?.url ?? assert.fail('no plain file listener')],
  ];

  before(async () => {
    let dir: string;
    ({ dir, cleanup } = writeConfigDir(MANAGERS, limitedServerToml('readTimeout = "5s"')));
    gateway = await Gateway.start({ configDir: dir, log: capturingLogger(lines), accessToStdout: false });
  });
  after(async () => {
    await gateway.stop(0);
    cleanup();
  });

  it('answers 400, not 500, to a request target no URL parser takes', async () => {
    for (const [name, url] of urls()) {
      const c = await exchange(name, url, 'GET http://[::1/ HTTP/1.1\r\nHost: gateway\r\n\r\n');
      assert.match(c.received(), /^HTTP\/1\.1 400 /u, name);
      assert.match(c.received(), /request target/u, name);
    }
  });

  it('answers 400 to an HTTP/1.1 request without a Host, or with two', async () => {
    for (const [name, url] of urls()) {
      const none = await exchange(name, url, 'GET /upload/x HTTP/1.1\r\n\r\n');
      assert.match(none.received(), /^HTTP\/1\.1 400 /u, `${name}: no Host`);
      const two = await exchange(name, url, 'GET /upload/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n');
      assert.match(two.received(), /^HTTP\/1\.1 400 /u, `${name}: two Hosts`);
      // HTTP/1.0 needs none.
      const old = await exchange(name, url, 'GET /upload/x HTTP/1.0\r\n\r\n');
      assert.match(old.received(), /^HTTP\/1\.1 404 /u, `${name}: HTTP/1.0`);
    }
  });

  it('answers 431 to a 1 MB request head and closes without reading the rest', async () => {
    for (const [name, url] of urls()) {
      const c = name === 'HTTPS' ? await openTls(url, ATTACKER, 'http/1.1') : await openTcp(url, ATTACKER);
      // A client busy sending reads its answer late (a loaded machine, a big upload): the answer
      // must still be there, not destroyed by a reset for the bytes the server left unread.
      c.socket.pause();
      setTimeout(() => c.socket.resume(), 300);
      c.socket.write(`GET /upload/x HTTP/1.1\r\nHost: gateway\r\nX-Big: ${'a'.repeat(1024 * 1024)}\r\n\r\n`);
      // The client goes on sending; the server must not drain it.
      const flood = setInterval(() => {
        if (!c.socket.destroyed) c.socket.write(Buffer.alloc(64 * 1024, 'b'));
      }, 10);
      try {
        await c.closed;
      } finally {
        clearInterval(flood);
      }
      assert.match(c.received(), /^HTTP\/1\.1 431 /u, name);
    }
  });

  it('logs a flood of malformed requests as a few warnings, never an error line each', async () => {
    const before = lines.length;
    const garbage = [
      'GET http://[::1/ HTTP/1.1\r\nHost: g\r\n\r\n',
      'NOT HTTP AT ALL\r\n\r\n',
      'GET /%zz HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n',
    ];
    for (const [name, url] of urls()) {
      await Promise.all(
        Array.from({ length: 30 }, (_, i) => exchange(name, url, garbage[i % garbage.length] ?? '')),
      );
    }
    const logged = lines.slice(before);
    assert.deepEqual(
      logged.filter((l) => l.level === 'error'),
      [],
    );
    // One line per listener and interval, whatever the count.
    assert.ok(logged.length <= 4, `${logged.length} lines: ${JSON.stringify(logged)}`);
    // A good client is still served.
    const ok = await exchange(
      'plain',
      urls()[1]?.[1] ?? '',
      'GET /upload/x HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n',
      GOOD_CLIENT,
    );
    assert.match(ok.received(), /^HTTP\/1\.1 404 /u);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { KiB, startTestProxy, type TestProxy } from '../helpers/proxy-harness.js';
import { deny, TestPolicy } from '../helpers/test-policy.js';

const MiB = 1024 * KiB;
/** How much a flooding client tries to push; far beyond what a closing connection may read. */
const FLOOD_LIMIT = 128 * MiB;
/**
 * What the client may have written when the proxy closes: the proxy reads at most 64 KiB, but the
 * client's own kernel takes up to tcp_wmem's maximum (4 MiB by default) into its send buffer, and
 * those bytes count as written too. A proxy that reads on takes all of FLOOD_LIMIT.
 */
const WRITTEN_BOUND = 16 * MiB;

interface Flood {
  /** The first line of what the proxy answered. */
  readonly statusLine: string;
  /** Bytes the client's kernel accepted before the proxy closed the connection. */
  readonly written: number;
}

/**
 * Sends `opening`, then keeps sending as fast as the proxy takes it, until the proxy closes the
 * connection or FLOOD_LIMIT is reached.
 */
function flood(port: number, opening: string, localAddress: string): Promise<Flood> {
  return new Promise((resolve) => {
    // Half-open: the proxy's FIN does not stop it; an attacker sends on regardless.
    const socket = net.connect({ port, host: '127.0.0.1', localAddress, allowHalfOpen: true });
    const chunk = Buffer.alloc(64 * KiB, 'a');
    let written = 0;
    let answer = '';
    let closed = false;
    const pump = (): void => {
      while (!closed && written < FLOOD_LIMIT) {
        const ok = socket.write(chunk, (err) => {
          if (err === null || err === undefined) written += chunk.length;
        });
        if (!ok) {
          socket.once('drain', pump);
          return;
        }
      }
      if (!closed) socket.destroy();
    };
    socket.on('connect', () => {
      socket.write(opening);
      pump();
    });
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      resolve({ statusLine: answer.split('\r\n')[0] ?? '', written });
    });
  });
}

describe('proxy: a connection it answers and closes is not read on', () => {
  let tp: TestProxy;
  before(async () => {
    tp = await startTestProxy(new TestPolicy(() => deny()), { maxHeaderSize: 16 * KiB });
  });
  after(() => tp.close());

  it('stops reading after refusing a CONNECT to a port not allowed', async () => {
    const got = await flood(
      tp.port,
      'CONNECT example.org:25 HTTP/1.1\r\nHost: example.org:25\r\n\r\n',
      '127.0.0.2',
    );
    assert.match(got.statusLine, /^HTTP\/1\.1 403 /u);
    assert.ok(got.written < WRITTEN_BOUND, `the client wrote ${got.written} bytes before the close`);
  });

  it('stops reading after a CONNECT the rule refused', async () => {
    const got = await flood(
      tp.port,
      'CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n',
      '127.0.0.3',
    );
    assert.match(got.statusLine, /^HTTP\/1\.1 403 /u);
    assert.ok(got.written < WRITTEN_BOUND, `the client wrote ${got.written} bytes before the close`);
  });

  it('stops reading after answering an oversized head with 431', async () => {
    const got = await flood(
      tp.port,
      'GET http://example.org/ HTTP/1.1\r\nHost: example.org\r\nX-Big: ',
      '127.0.0.4',
    );
    assert.match(got.statusLine, /^HTTP\/1\.1 431 /u);
    assert.ok(got.written < WRITTEN_BOUND, `the client wrote ${got.written} bytes before the close`);
  });

  it('stops reading after answering a malformed request with 400', async () => {
    const got = await flood(
      tp.port,
      'GET http://example.org/ HTTP/1.1\r\nHost: example.org\r\nBad Header\r\n',
      '127.0.0.5',
    );
    assert.match(got.statusLine, /^HTTP\/1\.1 400 /u);
    assert.ok(got.written < WRITTEN_BOUND, `the client wrote ${got.written} bytes before the close`);
  });
  it('stops reading the body of a request refused before it was read', async () => {
    const got = await flood(
      tp.port,
      'POST http://example.org/ HTTP/1.1\r\nHost: example.org\r\nContent-Length: 1000000000\r\n\r\n',
      '127.0.0.6',
    );
    assert.match(got.statusLine, /^HTTP\/1\.1 403 /u);
    assert.ok(got.written < WRITTEN_BOUND, `the client wrote ${got.written} bytes before the close`);
  });

  it('stops reading a body in a transfer coding it refuses', async () => {
    const got = await flood(
      tp.port,
      'POST http://example.org/ HTTP/1.1\r\nHost: example.org\r\nTransfer-Encoding: gzip, chunked\r\n\r\n40000000\r\n',
      '127.0.0.7',
    );
    assert.match(got.statusLine, /^HTTP\/1\.1 501 /u);
    assert.ok(got.written < WRITTEN_BOUND, `the client wrote ${got.written} bytes before the close`);
  });
});

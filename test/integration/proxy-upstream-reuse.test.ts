import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestProxy, viaProxy, type TestProxy } from '../helpers/proxy-harness.js';
import { allow, TestPolicy } from '../helpers/test-policy.js';

/**
 * An origin written on raw sockets, to misbehave in ways node:http will not: it answers the first
 * request on every connection and silently closes the connection when a second one arrives on it
 * (a keep-alive connection it dropped just as the proxy reused it), and it can send an informational
 * 103 before its answer.
 */
class RawOrigin {
  readonly requests: string[] = [];
  connections = 0;
  earlyHints = false;
  readonly #server = net.createServer((socket) => {
    this.connections += 1;
    let served = 0;
    let pending = '';
    socket.on('error', () => {});
    socket.on('data', (data: Buffer) => {
      pending += data.toString('latin1');
      let end = pending.indexOf('\r\n\r\n');
      while (end >= 0) {
        const head = pending.slice(0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/iu.exec(head)?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        pending = pending.slice(end + 4 + length);
        this.requests.push(head.split('\r\n')[0] ?? '');
        served += 1;
        if (served > 1) {
          socket.destroy();
          return;
        }
        const hints = this.earlyHints
          ? 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n'
          : '';
        socket.write(`${hints}HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello`);
        end = pending.indexOf('\r\n\r\n');
      }
    });
  });

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return (this.#server.address() as net.AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

describe('proxy: pooled origin connections the origin dropped', () => {
  const origin = new RawOrigin();
  let base = '';
  let tp: TestProxy;

  before(async () => {
    base = `http://127.0.0.1:${await origin.listen()}`;
    tp = await startTestProxy(new TestPolicy(() => allow({ user: 'alice' })));
  });
  beforeEach(() => {
    origin.requests.length = 0;
    origin.connections = 0;
    origin.earlyHints = false;
  });
  after(async () => {
    await tp.close();
    await origin.close();
  });

  it('repeats a GET once on a fresh connection when the reused one was closed under it', async () => {
    const first = await viaProxy(tp.port, `${base}/one`);
    assert.equal(first.status, 200);
    const second = await viaProxy(tp.port, `${base}/two`);
    assert.equal(second.status, 200, second.body.toString());
    assert.equal(second.body.toString(), 'hello');
    assert.deepEqual(origin.requests, ['GET /one HTTP/1.1', 'GET /two HTTP/1.1', 'GET /two HTTP/1.1']);
    assert.equal(origin.connections, 2, 'the first connection was reused, then a fresh one opened');
  });

  it('never repeats a POST: the client gets 502 and the origin saw it once', async () => {
    assert.equal((await viaProxy(tp.port, `${base}/warm`)).status, 200);
    const post = await viaProxy(tp.port, `${base}/order`, { method: 'POST', body: Buffer.from('item=1') });
    assert.equal(post.status, 502, post.body.toString());
    assert.match(post.body.toString(), /127\.0\.0\.1:\d+/u);
    assert.equal(origin.requests.filter((r) => r.startsWith('POST')).length, 1);
  });

  it('passes over an informational 103 and relays the final answer', async () => {
    origin.earlyHints = true;
    const r = await viaProxy(tp.port, `${base}/hinted`);
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'hello');
    assert.equal(r.headers['link'], undefined, 'the hint is not merged into the final answer');
  });
});

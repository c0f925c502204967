import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin, type Origin } from '../helpers/origin.js';
import { openTunnel, startTestProxy, viaProxy, type TestProxy } from '../helpers/proxy-harness.js';
import { allow, TestPolicy } from '../helpers/test-policy.js';

const REFUSAL = /this gateway does not reach internal addresses/u;

describe('proxy: internal targets are refused by default', () => {
  let origin: Origin;
  let refusing: TestProxy;
  let allowing: TestProxy;

  before(async () => {
    origin = await startOrigin('127.0.0.1');
    const connectPorts = [origin.port];
    refusing = await startTestProxy(new TestPolicy(), { allowInternal: [], connectPorts });
    allowing = await startTestProxy(new TestPolicy(), { allowInternal: ['127.0.0.0/8'], connectPorts });
  });
  after(async () => {
    await refusing.close();
    await allowing.close();
    await origin.close();
  });

  const port = () => origin.port;
  // PORT becomes the origin's port once it listens.
  const spellings: Record<string, string> = {
    loopback: '127.0.0.1:PORT',
    'another loopback address': '127.0.0.9:PORT',
    'the unspecified address as "0"': '0:PORT',
    'the unspecified address': '0.0.0.0:PORT',
    'IPv6 loopback': '[::1]:PORT',
    'IPv6 unspecified': '[::]:PORT',
    'IPv4-mapped loopback': '[::ffff:127.0.0.1]:PORT',
    'loopback as a number': '2130706433:PORT',
    'a name resolving to loopback': 'localhost:PORT',
    'link-local (cloud metadata)': '169.254.169.254:PORT',
    'IPv6 link-local': '[fe80::1]:PORT',
  };

  for (const [what, written] of Object.entries(spellings)) {
    const authority = () => written.replace('PORT', String(port()));
    it(`answers 403 to plain HTTP for ${what}, never dialling it`, async () => {
      const seen = origin.requests.length;
      const r = await viaProxy(refusing.port, `http://${authority()}/bytes/10`, {
        localAddress: '127.0.0.2',
      });
      assert.equal(r.status, 403, r.body.toString());
      assert.match(r.body.toString(), REFUSAL);
      assert.equal(origin.requests.length, seen);
      const line = refusing.log.access().at(-1);
      assert.equal(line?.result, 'internal-target');
      assert.equal(line?.status, 403);
    });

    it(`answers 403 to CONNECT for ${what}`, async () => {
      const tunnel = await openTunnel(refusing.port, authority(), {}, '127.0.0.3');
      tunnel.socket.destroy();
      assert.equal(tunnel.status, 403, tunnel.head);
      const line = refusing.log.access().at(-1);
      assert.equal(line?.result, 'internal-target');
    });
  }

  it('judges an address literal or localhost behind a parent proxy, without asking the parent', async () => {
    const parentProxy = new URL('http://127.0.0.1:9/');
    const viaParent = await startTestProxy(
      new TestPolicy(() => allow({ route: { manager: 'parent', parentProxy } })),
      { allowInternal: [], connectPorts: [port()] },
    );
    try {
      for (const host of ['127.0.0.1', 'localhost', '[::1]']) {
        const r = await viaProxy(viaParent.port, `http://${host}:${port()}/`);
        assert.equal(r.status, 403, `${host}: ${r.body.toString()}`);
        assert.match(r.body.toString(), REFUSAL);
        const tunnel = await openTunnel(viaParent.port, `${host}:${port()}`);
        tunnel.socket.destroy();
        assert.equal(tunnel.status, 403, `${host}: ${tunnel.head}`);
      }
    } finally {
      await viaParent.close();
    }
  });

  it('reaches loopback listed in allowInternal, by address and by name, for HTTP and CONNECT', async () => {
    for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]', 'localhost', '0']) {
      const r = await viaProxy(allowing.port, `http://${host}:${port()}/bytes/10`);
      // "0" is unspecified, not loopback: allowInternal lists only 127.0.0.0/8.
      assert.equal(r.status, host === '0' ? 403 : 200, `${host}: ${r.body.toString()}`);
    }
    const tunnel = await openTunnel(allowing.port, `127.0.0.1:${port()}`);
    tunnel.socket.destroy();
    assert.equal(tunnel.status, 200, tunnel.head);
  });
});

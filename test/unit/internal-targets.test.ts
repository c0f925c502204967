import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InternalTargets } from '../../src/proxy/internal-targets.js';
import { restartNeeded } from '../../src/server/restart-needed.js';
import { parseServerConfig } from '../../src/config/server-config.js';
import { Issues } from '../../src/config/issues.js';

describe('internal targets', () => {
  const none = new InternalTargets(() => []);

  it('refuses loopback, link-local and unspecified addresses in every spelling', () => {
    for (const address of [
      '127.0.0.1',
      '127.255.255.254',
      '0.0.0.0',
      '::',
      '::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '169.254.169.254',
      'fe80::1',
      'fe80::1%eth0',
      'FE80::ABCD',
    ]) {
      assert.match(none.refusal(address) ?? '', /does not reach internal addresses/u, address);
    }
  });

  it('lets private, public and documentation addresses through', () => {
    for (const address of [
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      'fd00::1',
      'fc00::1',
      '8.8.8.8',
      '2001:db8::1',
    ]) {
      assert.equal(none.refusal(address), undefined, address);
    }
  });

  it('lets through what allowInternal lists, and only that, reading the list each time', () => {
    let list: string[] = ['127.0.0.0/8'];
    const some = new InternalTargets(() => list);
    assert.equal(some.refusal('127.0.0.1'), undefined);
    assert.equal(some.refusal('::ffff:127.0.0.1'), undefined, 'the mapped form is the IPv4 address');
    assert.notEqual(some.refusal('::1'), undefined);
    assert.notEqual(some.refusal('169.254.169.254'), undefined);
    list = ['::1/128'];
    assert.notEqual(some.refusal('127.0.0.1'), undefined);
    assert.equal(some.refusal('::1'), undefined);
  });

  it('judges names only when they always mean this host (a parent proxy resolves the rest)', () => {
    assert.notEqual(none.refusalOfName('localhost'), undefined);
    assert.notEqual(none.refusalOfName('app.localhost'), undefined);
    assert.notEqual(none.refusalOfName('127.0.0.1'), undefined);
    assert.equal(none.refusalOfName('example.org'), undefined);
    assert.equal(new InternalTargets(() => ['127.0.0.0/8']).refusalOfName('localhost'), undefined);
  });
});

describe('what a reload of server.toml needs a restart for', () => {
  const read = (toml: Record<string, unknown>) =>
    parseServerConfig(toml as Parameters<typeof parseServerConfig>[0], '/tmp', new Issues('server.toml'));

  it('names nothing for the proxy settings read live, and the listener keys by their TOML path', () => {
    const before = read({ proxy: { connectPorts: [443] } });
    const live = read({
      proxy: { connectPorts: [443, 8443], allowInternal: ['::1/128'], dialTimeout: '3s' },
    });
    assert.deepEqual(restartNeeded(before, live), []);
    const moved = read({ proxy: { server: { addr: '127.0.0.1:9090' } }, api: { persistInterval: '5m' } });
    assert.deepEqual(restartNeeded(before, moved), ['api.persistInterval', 'proxy.server.addr']);
  });
});

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError, formatIssue } from '../../src/config/issues.js';
import { LISTENER_DEFAULTS } from '../../src/config/listener-limits.js';
import { addressKey } from '../../src/server/connection-limits.js';
import { defaultMaxConnections, openFileLimit } from '../../src/server/descriptor-budget.js';
import { RateLimitedWarning } from '../../src/util/rate-limited-warning.js';

const temp = mkdtempSync(join(tmpdir(), 'pmproxy-limits-'));
after(() => rmSync(temp, { recursive: true, force: true }));
let count = 0;

function configDir(apiServer: string, filesServer = 'addr = "127.0.0.1:5050"'): string {
  const dir = join(temp, `c${count++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'managers.toml'), 'rule = "true"\n');
  writeFileSync(
    join(dir, 'server.toml'),
    `[api.server]\naddr = "127.0.0.1:0"\n${apiServer}\n[files]\nsecret = "a long enough secret string"\n[files.server]\n${filesServer}\n`,
  );
  return dir;
}

function errorsOf(dir: string): string[] {
  try {
    loadConfig(dir);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map(formatIssue);
    throw err;
  }
  return assert.fail('expected a ConfigError');
}

describe('listener limits in server.toml', () => {
  it('reads them in [api.server] and [files.server], with defaults', () => {
    const dir = configDir(
      'readTimeout = "5s"\nidleTimeout = "1m"\nhandshakeTimeout = "3s"\nminBodyRate = "2 KB"\nbodyRateWindow = "20s"\nmaxConnections = 500\nmaxConnectionsPerAddress = 20',
    );
    const { api, files } = loadConfig(dir).server;
    assert.equal(api.readTimeout, 5000);
    assert.equal(api.idleTimeout, 60_000);
    assert.equal(api.handshakeTimeout, 3000);
    assert.equal(api.minBodyRate, 2048);
    assert.equal(api.bodyRateWindow, 20_000);
    assert.equal(api.maxConnections, 500);
    assert.equal(api.maxConnectionsPerAddress, 20);
    const plain = files?.server ?? assert.fail('no [files.server]');
    assert.equal(plain.readTimeout, LISTENER_DEFAULTS.readTimeout);
    assert.equal(plain.minBodyRate, LISTENER_DEFAULTS.minBodyRate);
    assert.equal(plain.maxConnections, undefined);
    assert.equal(plain.maxConnectionsPerAddress, LISTENER_DEFAULTS.maxConnectionsPerAddress);
  });

  it('names the file, the key and what is wrong', () => {
    const lines = errorsOf(
      configDir(
        'maxConnections = 0\nhandshakeTimeout = "0s"\nbodyRateWindow = "soon"',
        'addr = "127.0.0.1:5050"\nmaxConnections = 10\nmaxConnectionsPerAddress = 50\nminBodyRate = "fast"',
      ),
    );
    const wanted = [
      /server\.toml.*api\.server\.maxConnections: must be between 1 and/u,
      /server\.toml.*api\.server\.handshakeTimeout: must be longer than zero/u,
      /server\.toml.*api\.server\.bodyRateWindow/u,
      /server\.toml.*files\.server\.maxConnectionsPerAddress: must not be larger than maxConnections \(10\)/u,
      /server\.toml.*files\.server\.minBodyRate/u,
    ];
    for (const pattern of wanted) {
      assert.ok(
        lines.some((l) => pattern.test(l)),
        `no line matching ${pattern} in:\n${lines.join('\n')}`,
      );
    }
  });
});

describe('the descriptor budget', () => {
  it('reads the soft open-file limit from /proc/self/limits', () => {
    const text =
      'Limit  Soft Limit  Hard Limit  Units\nMax open files            1500                 4096                 files\n';
    assert.equal(openFileLimit(text), 1500);
    assert.equal(openFileLimit('Max open files  unlimited  unlimited  files'), Number.MAX_SAFE_INTEGER);
    assert.equal(openFileLimit(''), 1024);
  });

  it('gives each of our listeners a quarter by default, so together they leave half to the proxy', () => {
    assert.equal(defaultMaxConnections(1500), 375);
    assert.ok(defaultMaxConnections() >= 1);
  });
});

describe('addressKey', () => {
  it('counts IPv4 by address and IPv6 by /64, mapped IPv4 as IPv4', () => {
    assert.equal(addressKey('::ffff:127.0.0.2'), '127.0.0.2');
    assert.equal(addressKey('2001:db8::1'), addressKey('2001:db8::ffff:2'));
    assert.notEqual(addressKey('2001:db8::1'), addressKey('2001:db8:0:1::1'));
    assert.equal(addressKey(undefined), '');
  });
});

describe('RateLimitedWarning', () => {
  it('logs the first event of an interval and counts the rest', () => {
    const lines: Array<[string, Record<string, unknown> | undefined]> = [];
    const log = {
      info() {},
      warn: (m: string, f?: Record<string, unknown>) => lines.push([m, f]),
      error() {},
    };
    const warning = new RateLimitedWarning(log, 'refused', 60_000);
    for (let i = 0; i < 1000; i += 1) warning.note(i % 2 === 0 ? 'malformed' : 'timeout', { i });
    assert.deepEqual(lines, [['refused', { kind: 'malformed', i: 0 }]]);
  });
});

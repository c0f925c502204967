import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectConfig, loadConfig } from '../../src/config/load.js';
import { formatIssue } from '../../src/config/issues.js';
import { FILES_DEFAULTS } from '../../src/config/files-config.js';
import { LISTENER_DEFAULTS } from '../../src/config/listener-limits.js';

const temp = mkdtempSync(join(tmpdir(), 'pmproxy-files-config-'));
after(() => rmSync(temp, { recursive: true, force: true }));

const MANAGERS = 'rule = "true"\n';

let count = 0;
function configDir(server: string, managers = MANAGERS): string {
  const dir = join(temp, `c${count++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'managers.toml'), managers);
  writeFileSync(join(dir, 'server.toml'), server);
  return dir;
}

function report(server: string, managers = MANAGERS): { errors: string[]; warnings: string[] } {
  const r = inspectConfig(configDir(server, managers));
  return { errors: r.errors.map(formatIssue), warnings: r.warnings.map(formatIssue) };
}

function one(lines: string[], pattern: RegExp): void {
  const found = lines.filter((l) => pattern.test(l));
  assert.equal(found.length, 1, `expected one line matching ${pattern} in:\n${lines.join('\n')}`);
}

describe('[files] in server.toml', () => {
  it('is absent unless configured: no table, no file server', () => {
    assert.equal(loadConfig(configDir('')).server.files, undefined);
  });

  it('an empty table gives the documented defaults', () => {
    const dir = configDir('[files]\n');
    const files = loadConfig(dir).server.files;
    assert.deepEqual(files, {
      prefix: FILES_DEFAULTS.prefix,
      storeDir: join(dir, 'data', 'files'),
      maxSize: 100 * 1024 * 1024,
      minFreeDisk: 100 * 1024 * 1024,
      allowedExtensions: [],
      maxVersions: 3,
      ttl: 0,
      onScannerDown: 'refuse',
      cors: ['*'],
    });
  });

  it('reads every key, resolving the store against the config folder', () => {
    const dir = configDir(`[files]
prefix = "/xmpp/files/"
secret = "a long enough shared secret"
storeDir = "uploads"
maxSize = "20 MB"
minFreeDisk = "2 GB"
allowedExtensions = [".JPG", ".tar.gz"]
maxVersions = 0
ttl = "720h"
clamd = "127.0.0.1:3310"
onScannerDown = "accept-and-log"
cors = ["https://chat.example.org", "http://localhost:8080"]
[files.server]
addr = "127.0.0.1:18080"
`);
    const config = loadConfig(dir);
    assert.deepEqual(config.warnings, []);
    assert.deepEqual(config.server.files, {
      prefix: '/xmpp/files/',
      secret: 'a long enough shared secret',
      storeDir: join(dir, 'uploads'),
      maxSize: 20 * 1024 * 1024,
      minFreeDisk: 2 * 1024 ** 3,
      allowedExtensions: ['.jpg', '.tar.gz'],
      maxVersions: 0,
      ttl: 720 * 3_600_000,
      clamd: { kind: 'tcp', host: '127.0.0.1', port: 3310 },
      onScannerDown: 'accept-and-log',
      cors: ['https://chat.example.org', 'http://localhost:8080'],
      // The plain listener's limits take their defaults (handshakeTimeout means nothing without TLS).
      server: { addr: { host: '127.0.0.1', port: 18080 }, ...LISTENER_DEFAULTS, handshakeTimeout: 0 },
    });
  });

  it('takes clamd as an absolute socket path, and cors as one string or none', () => {
    const files = loadConfig(configDir('[files]\nclamd = "/run/clamav/clamd.ctl"\ncors = []\n')).server.files;
    assert.deepEqual(files?.clamd, { kind: 'unix', path: '/run/clamav/clamd.ctl' });
    assert.deepEqual(files?.cors, []);
    const star = loadConfig(configDir('[files]\ncors = "*"\n')).server.files;
    assert.deepEqual(star?.cors, ['*']);
  });

  it('names file, line, key path and what is wrong for each bad value', () => {
    const { errors } = report(`[files]
prefix = "/upload"
secret = ""
maxSize = "0 B"
minFreeDisk = "1 Gb"
allowedExtensions = ["jpg", ".tar.gz", "./x", 3]
maxVersions = -1
ttl = "30d"
clamd = "clamd.sock"
onScannerDown = "ignore"
cors = ["https://chat.example.org/", "*", "ftp://x"]
color = "blue"
[files.server]
addr = "18080"
`);
    one(
      errors,
      /^server\.toml:2: files\.prefix: must be a path with a slash at each end, such as "\/upload\/"/u,
    );
    one(errors, /^server\.toml:3: files\.secret: must not be empty$/u);
    one(errors, /^server\.toml:4: files\.maxSize: must be larger than 0 B$/u);
    one(errors, /^server\.toml:5: files\.minFreeDisk: "1 Gb": "Gb" reads as bits/u);
    one(errors, /^server\.toml:6: files\.allowedExtensions\[3\]: must be a string, not 3$/u);
    one(errors, /^server\.toml:8: files\.ttl: "30d" is not a duration/u);
    one(errors, /^server\.toml:7: files\.maxVersions: must be between 0 and 1000, not -1$/u);
    one(
      errors,
      /^server\.toml:9: files\.clamd: must be clamd's socket path .*"clamd\.sock" \(a socket path must be absolute\)$/u,
    );
    one(
      errors,
      /^server\.toml:10: files\.onScannerDown: must be "refuse" or "accept-and-log", not "ignore"$/u,
    );
    one(
      errors,
      /^server\.toml:11: files\.cors\[0\]: must be "\*" or an origin .*"https:\/\/chat\.example\.org\/"$/u,
    );
    one(errors, /^server\.toml:11: files\.cors\[2\]: must be "\*" or an origin .*"ftp:\/\/x"$/u);
    one(errors, /^server\.toml:12: files\.color: unknown key$/u);
    one(errors, /^server\.toml:14: files\.server\.addr: is not a listen address/u);
  });

  it('checks each allowed extension once the list itself is a list of strings', () => {
    const { errors } = report('[files]\nallowedExtensions = ["jpg", ".tar.gz", "./x", ". x", ".a.."]\n');
    one(
      errors,
      /files\.allowedExtensions\[0\]: must be an extension with its dot, such as "\.jpg" or "\.tar\.gz", not "jpg"$/u,
    );
    one(errors, /files\.allowedExtensions\[2\]: .*not "\.\/x"$/u);
    one(errors, /files\.allowedExtensions\[3\]: .*not "\. x"$/u);
    one(errors, /files\.allowedExtensions\[4\]: .*not "\.a\.\."$/u);
    assert.equal(errors.filter((e) => e.includes('[1]')).length, 0);
  });

  it('refuses prefixes that are the root, under /api/, traversing, or need encoding', () => {
    for (const prefix of [
      '/',
      'upload/',
      '/api/',
      '/api/files/',
      '/up//x/',
      '/up/../x/',
      '/up load/',
      '/très/',
    ]) {
      const { errors } = report(`[files]\nprefix = ${JSON.stringify(prefix)}\n`);
      assert.equal(errors.length, 1, `${prefix}: ${errors.join('\n')}`);
      assert.match(errors[0] as string, /^server\.toml:2: files\.prefix: /u);
    }
  });

  it('refuses "*" among other origins, a [files.server] without addr, a table where a value goes', () => {
    one(
      report('[files]\ncors = ["*", "https://a.example"]\n').errors,
      /files\.cors: "\*" already allows every origin/u,
    );
    one(report('[files]\n[files.server]\n').errors, /^server\.toml:\d+: files\.server\.addr: is required$/u);
    one(report('files = 3\n').errors, /^server\.toml:1: files: must be a table, not 3$/u);
  });

  it('warns about a short secret and about onScannerDown without clamd', () => {
    const { errors, warnings } = report('[files]\nsecret = "short"\nonScannerDown = "refuse"\n');
    assert.deepEqual(errors, []);
    one(warnings, /^server\.toml:2: files\.secret: is shorter than 16 characters/u);
    one(warnings, /^server\.toml:3: files\.onScannerDown: has no effect without clamd$/u);
  });
});

describe('[[hmacUpload]] against [files]', () => {
  const signer = (extra = ''): string => `rule = "true"\n[[hmacUpload]]\nname = "signed"\n${extra}`;

  it('needs a file server to sign for', () => {
    one(
      report('', signer()).errors,
      /^managers\.toml:2: hmacUpload\[0\]: "signed" checks upload signatures, but server\.toml has no \[files\] table/u,
    );
  });

  it('needs a secret of its own or [files] secret', () => {
    one(
      report('[files]\n', signer()).errors,
      /^managers\.toml:\d+: hmacUpload\[0\]\.secret: is missing: "signed" needs the secret/u,
    );
    assert.deepEqual(report('[files]\nsecret = "a long enough secret"\n', signer()).errors, []);
    assert.deepEqual(report('[files]\n', signer('secret = "a long enough secret"\n')).errors, []);
  });
});

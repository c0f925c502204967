import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine } from '../../src/cli/pmcl/args.js';
import { parseFingerprint, sameFingerprint } from '../../src/cli/pmcl/fingerprint.js';
import { parseServer } from '../../src/cli/pmcl/server-url.js';
import { UsageError } from '../../src/cli/usage-error.js';

const FP_COLONS = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase()).join(
  ':',
);
const FP_PLAIN = FP_COLONS.replaceAll(':', '').toLowerCase();

describe('pmcl command line', () => {
  it('knows every command by its name and its short alias', () => {
    const pairs: [string, string, string[]][] = [
      ['d', 'discover', []],
      ['l', 'login', ['https://h:1', 'u']],
      ['o', 'logout', []],
      ['s', 'status', []],
      ['lu', 'logged-users', []],
      ['r', 'reset', ['u']],
      ['sh', 'show', ['m']],
    ];
    for (const [alias, name, args] of pairs) {
      assert.equal(parseCommandLine([alias, ...args]).command, name);
      assert.equal(parseCommandLine([name, ...args]).command, name);
    }
  });

  it('takes flags before or after the arguments', () => {
    const p = parseCommandLine(['l', 'https://h:1', '-m', 'sessions', 'alice', '--json', '--password-stdin']);
    assert.ok(p.command === 'login');
    assert.deepEqual(p.args, ['https://h:1', 'alice']);
    assert.equal(p.flags.manager, 'sessions');
    assert.equal(p.flags.json, true);
    assert.equal(p.flags.passwordStdin, true);
    const q = parseCommandLine(['--server', 'https://x', 's', 'bob']);
    assert.ok(q.command === 'status');
    assert.equal(q.flags.server, 'https://x');
    assert.deepEqual(q.args, ['bob']);
  });

  it('lets -- protect a password that starts with a dash', () => {
    const p = parseCommandLine(['l', 'https://h:1', 'alice', '--', '-secret']);
    assert.ok(p.command === 'login');
    assert.deepEqual(p.args, ['https://h:1', 'alice', '-secret']);
  });

  it('reads help in all its forms', () => {
    for (const argv of [['help'], ['--help'], ['-h'], ['s', '--help']]) {
      assert.equal(parseCommandLine(argv).command, 'help');
    }
  });

  it('refuses what it cannot act on with a usage error', () => {
    const bad = [
      [],
      ['frobnicate'],
      ['s', 'a', 'b'],
      ['r'],
      ['sh'],
      ['l', 'https://h:1'],
      ['l', 'https://h:1', 'u', 'p', 'extra'],
      ['o', 'extra'],
      ['s', '--bogus'],
      ['s', '--server'],
      ['s', '-m', 'x'],
      ['d', '--password-stdin'],
      ['l', 'https://h:1', 'u', 'p', '--password-stdin'],
      ['d', '--pin', 'abc'],
      ['d', '--pin', FP_PLAIN, '--ca', 'f.pem'],
    ];
    for (const argv of bad) assert.throws(() => parseCommandLine(argv), UsageError, argv.join(' '));
  });

  it('stores --pin in the form the server prints', () => {
    const p = parseCommandLine(['d', '--pin', FP_PLAIN]);
    assert.ok(p.command === 'discover');
    assert.equal(p.flags.pin, FP_COLONS);
  });
});

describe('fingerprints', () => {
  it('accept colon-separated and plain hex in any case', () => {
    assert.equal(parseFingerprint(FP_COLONS), FP_COLONS);
    assert.equal(parseFingerprint(FP_COLONS.toLowerCase()), FP_COLONS);
    assert.equal(parseFingerprint(FP_PLAIN), FP_COLONS);
    assert.equal(parseFingerprint(` ${FP_PLAIN.toUpperCase()}\n`), FP_COLONS);
    assert.ok(sameFingerprint(FP_PLAIN, FP_COLONS));
  });

  it('refuse anything else', () => {
    for (const bad of [
      '',
      FP_PLAIN.slice(2),
      `${FP_PLAIN}00`,
      FP_PLAIN.replace('0', 'g'),
      `${FP_COLONS.slice(0, 5)}${FP_COLONS.slice(6)}`,
    ]) {
      assert.equal(parseFingerprint(bad), undefined, bad);
    }
    assert.equal(sameFingerprint('nonsense', 'nonsense'), false);
  });
});

describe('server URLs', () => {
  it('keep the base and key trust by host and port', () => {
    assert.deepEqual(parseServer('https://127.0.0.1:4443/'), {
      base: 'https://127.0.0.1:4443',
      hostname: '127.0.0.1',
      port: 4443,
      key: '127.0.0.1:4443',
    });
    assert.equal(parseServer('https://Proxy.Example').key, 'proxy.example:443');
    assert.equal(parseServer('https://[::1]:9/').hostname, '::1');
    assert.equal(parseServer('https://[::1]:9/').key, '[::1]:9');
  });

  it('are HTTPS only', () => {
    for (const bad of [
      'http://127.0.0.1:4443',
      'proxy:4443',
      'https://u:p@h',
      'https://h/?x=1',
      'nonsense',
    ]) {
      assert.throws(() => parseServer(bad), UsageError, bad);
    }
  });
});

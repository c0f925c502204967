import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Issues, formatIssue } from '../../src/config/issues.js';
import { TableReader, type TomlTable } from '../../src/config/table-reader.js';
import { rangeIPM, type RangeIPMConfig } from '../../src/managers/range-ipm.js';
import type { Manager, RequestContext, Services, Verdict } from '../../src/managers/types.js';
import { normalizeIp } from '../../src/util/ip.js';

function parse(table: TomlTable, index = 0): { config: RangeIPMConfig | undefined; errors: string[] } {
  const issues = new Issues('managers.toml');
  const config = rangeIPM.parse(new TableReader(table, `rangeIPM[${index}]`, issues));
  return { config, errors: issues.list.map(formatIssue) };
}

function make(cidr: string | string[]): Manager {
  const { config, errors } = parse({ name: 'campus', cidr });
  assert.deepEqual(errors, []);
  assert.ok(config !== undefined);
  // rangeIPM uses no service.
  return rangeIPM.create(config, {} as Services);
}

function ask(manager: Manager, clientIp: string): Verdict {
  const ctx: RequestContext = { surface: 'proxy', clientIp, at: new Date(0), users: new Map() };
  const verdict = manager.test(ctx);
  assert.ok(!(verdict instanceof Promise));
  return verdict;
}

describe('rangeIPM', () => {
  it('matches client addresses inside an IPv4 range and says why not outside it', () => {
    const campus = make('10.2.0.0/16');
    assert.deepEqual(ask(campus, '10.2.1.1'), { match: true, reason: '10.2.1.1 in 10.2.0.0/16' });
    assert.deepEqual(ask(campus, '10.2.255.255').match, true);
    assert.deepEqual(ask(campus, '10.3.0.0'), { match: false, reason: '10.3.0.0 not in 10.2.0.0/16' });
    assert.equal(ask(campus, '127.0.0.1').reason, '127.0.0.1 not in 10.2.0.0/16');
  });

  it('takes a list of ranges, IPv4 and IPv6, and a bare address as a range of one', () => {
    const campus = make(['127.0.0.0/8', '2001:db8::/32', '192.168.1.7', '0.0.0.0/0 ']);
    assert.equal(ask(campus, '2001:db8:1::5').reason, '2001:db8:1::5 in 2001:db8::/32');
    assert.equal(ask(campus, '2001:db9::1').match, false);
    assert.equal(ask(make('192.168.1.7'), '192.168.1.7').match, true);
    assert.equal(ask(make('192.168.1.7'), '192.168.1.8').match, false);
    assert.equal(ask(campus, '8.8.8.8').reason, '8.8.8.8 in 0.0.0.0/0');
    assert.deepEqual(campus.settings(), {
      name: 'campus',
      cidr: ['127.0.0.0/8', '2001:db8::/32', '192.168.1.7', '0.0.0.0/0'],
    });
  });

  it('unwraps IPv4-mapped client addresses, and IPv4-mapped ranges', () => {
    assert.equal(ask(make('127.0.0.0/8'), '::ffff:127.0.0.1').reason, '127.0.0.1 in 127.0.0.0/8');
    assert.equal(ask(make('::ffff:10.0.0.0/104'), '10.1.2.3').match, true);
    assert.equal(ask(make('::1/128'), '::1').match, true);
    assert.equal(ask(make('::1/128'), '127.0.0.1').match, false);
  });

  it('says no to a client address that is not one', () => {
    assert.deepEqual(ask(make('10.0.0.0/8'), 'nonsense'), {
      match: false,
      reason: '"nonsense" is not an IP address',
    });
  });

  it('names the key path of each bad range, all at once', () => {
    const { config, errors } = parse(
      { name: 'campus', cidr: ['10.0.0.0/8', '10.0.0.0/33', 'campus', '10.0.0.0/-1'] },
      1,
    );
    assert.equal(config, undefined);
    assert.deepEqual(errors, [
      'managers.toml: rangeIPM[1].cidr[1]: "10.0.0.0/33" is not a CIDR range (such as "10.0.0.0/8" or "2001:db8::/32")',
      'managers.toml: rangeIPM[1].cidr[2]: "campus" is not a CIDR range (such as "10.0.0.0/8" or "2001:db8::/32")',
      'managers.toml: rangeIPM[1].cidr[3]: "10.0.0.0/-1" is not a CIDR range (such as "10.0.0.0/8" or "2001:db8::/32")',
    ]);
    assert.deepEqual(parse({ name: 'x', cidr: '::1/129' }).errors, [
      'managers.toml: rangeIPM[0].cidr: "::1/129" is not a CIDR range (such as "10.0.0.0/8" or "2001:db8::/32")',
    ]);
  });

  it('requires name and cidr, refuses an empty list and unknown keys', () => {
    assert.deepEqual(parse({}).errors, [
      'managers.toml: rangeIPM[0].name: is required',
      'managers.toml: rangeIPM[0].cidr: is required',
    ]);
    assert.deepEqual(parse({ name: 'x', cidr: [] }).errors, [
      'managers.toml: rangeIPM[0].cidr: must list at least one range, such as "10.0.0.0/8"',
    ]);
    assert.deepEqual(parse({ name: 'x', cidr: '10.0.0.0/8', cidrs: 'x' }).errors, [
      'managers.toml: rangeIPM[0].cidrs: unknown key',
    ]);
    assert.deepEqual(parse({ name: 'x', cidr: 10 }).errors, [
      'managers.toml: rangeIPM[0].cidr: must be a string or a list of strings, not 10',
    ]);
  });
});

describe('normalizeIp', () => {
  it('unwraps IPv4-mapped IPv6, drops zones and brackets, lowercases and compresses IPv6', () => {
    assert.equal(normalizeIp('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(normalizeIp('::FFFF:7f00:1'), '127.0.0.1');
    assert.equal(normalizeIp('fe80::1%eth0'), 'fe80::1');
    assert.equal(normalizeIp('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
    assert.equal(normalizeIp('[::1]'), '::1');
    assert.equal(normalizeIp('10.0.0.1'), '10.0.0.1');
  });

  it('leaves text that is not an address as it is, trimmed and lowercased', () => {
    assert.equal(normalizeIp(' Host '), 'host');
  });
});

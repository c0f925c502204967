import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { Issues, formatIssue } from '../../src/config/issues.js';
import { TableReader, type TomlTable } from '../../src/config/table-reader.js';
import { firstAddress, netIface, type NetIfaceConfig } from '../../src/managers/net-iface.js';
import type { RequestContext, Services } from '../../src/managers/types.js';
import { compileRule } from '../../src/rules/compile.js';
import { evaluate } from '../../src/rules/evaluate.js';

function parse(table: TomlTable): {
  config: NetIfaceConfig | undefined;
  errors: string[];
  warnings: string[];
} {
  const issues = new Issues('managers.toml');
  const config = netIface.parse(new TableReader(table, 'netIface[0]', issues));
  return { config, errors: issues.list.map(formatIssue), warnings: issues.warnings.map(formatIssue) };
}

const ctx: RequestContext = { surface: 'proxy', clientIp: '127.0.0.1', at: new Date(0), users: new Map() };
// netIface uses no service; an empty object stands in for the ones it never touches.
const services = {} as Services;

/** The machine's loopback interface ("lo" on Linux), found rather than assumed. */
const loopback = Object.entries(networkInterfaces()).find(([, list]) =>
  list?.some((a) => a.address === '127.0.0.1'),
)?.[0];

describe('netIface', () => {
  it('resolves an interface to its first IPv4 address at each request', async () => {
    assert.ok(loopback !== undefined, 'this machine has a loopback interface');
    assert.equal(firstAddress(loopback), '127.0.0.1');
    const { config, errors, warnings } = parse({ name: 'out', iface: loopback });
    assert.deepEqual([errors, warnings], [[], []]);
    assert.ok(config !== undefined);
    const verdict = await netIface.create(config, services).test(ctx);
    assert.equal(verdict.match, true);
    assert.deepEqual(verdict.effect, { kind: 'route', route: { manager: 'out', localAddress: '127.0.0.1' } });
  });

  it('says no, with the reason, when the interface has no address', async () => {
    const { config, warnings } = parse({ name: 'out', iface: 'nosuchif0' });
    assert.deepEqual(warnings, [
      'managers.toml: netIface[0].iface: there is no interface "nosuchif0" now; requests routed through it are denied until there is',
    ]);
    assert.ok(config !== undefined);
    const verdict = await netIface.create(config, services).test(ctx);
    assert.equal(verdict.match, false);
    assert.equal(verdict.reason, "no local address for 'nosuchif0'");
    assert.equal(verdict.effect, undefined);
  });

  it('takes a local address directly', async () => {
    const { config, errors } = parse({ name: 'out', addr: '[::1]' });
    assert.deepEqual(errors, []);
    assert.deepEqual(config, { name: 'out', addr: '::1' });
    assert.ok(config !== undefined);
    const verdict = await netIface.create(config, services).test(ctx);
    assert.deepEqual(verdict.effect, { kind: 'route', route: { manager: 'out', localAddress: '::1' } });
  });

  it('needs exactly one of iface and addr, and addr must be an IP address', () => {
    assert.deepEqual(parse({ name: 'out' }).errors, [
      'managers.toml: netIface[0].iface: is required: an interface name such as "eth0" (or addr, a local IP address)',
    ]);
    assert.deepEqual(parse({ name: 'out', iface: 'lo', addr: '127.0.0.1' }).errors, [
      'managers.toml: netIface[0]: give only one of iface (an interface name) and addr (a local IP address)',
    ]);
    assert.deepEqual(parse({ name: 'out', addr: 'eth0' }).errors, [
      'managers.toml: netIface[0].addr: must be an IP address of this machine, not "eth0"',
    ]);
    assert.match(
      parse({ name: 'out', addr: '192.0.2.77' }).warnings[0] ?? '',
      /192\.0\.2\.77 is not an address of this machine/u,
    );
  });

  it('routes through the netIface evaluation reaches, not the one written first', async () => {
    const managers = new Map(
      [
        { name: 'viaA', addr: '127.0.0.1' },
        { name: 'viaB', addr: '127.0.0.2' },
      ].map((config) => [config.name, netIface.create(config, services)]),
    );
    const routeOf = async (text: string) => {
      const decision = await evaluate(compileRule('proxy', text, managers), ctx);
      assert.equal(decision.allow, true, text);
      return [decision.route?.manager, decision.route?.localAddress, decision.trace.map((t) => t.name)];
    };
    assert.deepEqual(await routeOf('(false ∧ viaA) ∨ viaB'), ['viaB', '127.0.0.2', ['viaB']]);
    assert.deepEqual(await routeOf('viaA ∨ viaB'), ['viaA', '127.0.0.1', ['viaA']]);
    assert.deepEqual(await routeOf('viaB ∧ viaA'), ['viaB', '127.0.0.2', ['viaB', 'viaA']]);
  });
});

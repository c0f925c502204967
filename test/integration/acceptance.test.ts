/**
 * The acceptance cases of the Go original (research note §6), adapted to this design, and its bugs
 * shown fixed. They run on a real gateway (store, managers, rules) with a manual clock; the API
 * commands of the original (discover, open, get, set, show) map to the policy, the session registry
 * and the quota manager that the API is built on.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext, Target } from '../../src/managers/types.js';
import type { Decision } from '../../src/rules/decision.js';
import type { Gateway } from '../../src/server/gateway.js';
import type { QuotaView } from '../../src/managers/quota-rows.js';
import { ManualClock } from '../../src/util/clock.js';
import { compileRule } from '../../src/rules/compile.js';
import { RulePolicy } from '../../src/rules/policy.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';

const USERS = `
admins = ["user0"]
[mapDB]
name = "map"
[mapDB.userPass]
user0 = "pass0"
user1 = "pass1"
[mapDB.userGroup]
user0 = ["group0"]
user1 = ["group0", "group1"]
[sqlDB]
name = "sql"
`;

const MANAGERS = `
[[sessionIPM]]
name = "sessions"
auth = "map"
[[sessionIPM]]
name = "s0"
auth = "sql"
[[dwnConsR]]
name = "down"
userDBN = "map"
resetCycle = "168h"
[dwnConsR.groupQuota]
group0 = "1 KB"
group1 = "512 B"
[[dwnConsR]]
name = "d0"
userDBN = "sql"
resetCycle = "24h"
[dwnConsR.groupQuota]
group0 = "1 MB"
[[groupIPM]]
name = "g0"
group = "group0"
userDBN = "map"
[[groupIPM]]
name = "g1"
group = "group1"
userDBN = "map"
[[hostMatcher]]
name = "h0"
pattern = "google"
[[hostMatcher]]
name = "h1"
pattern = "youtube"
[[hostMatcher]]
name = "h2"
pattern = "facebook"
[[hostMatcher]]
name = "puntoCu"
pattern = '\\.cu$'
[[rangeIPM]]
name = "range0"
cidr = "10.2.0.0/16"
[[rangeIPM]]
name = "range1"
cidr = "10.3.0.0/16"
[[netIface]]
name = "iface0"
addr = "127.0.0.1"
[[netIface]]
name = "iface1"
addr = "127.0.0.2"
[[parentProxy]]
name = "proxy0"
proxyURL = "socks5://proxy0.org:9050"
[[timeSpan]]
name = "day"
[timeSpan.span]
start = "2006-01-02T15:04:05-04:00"
active = "5m"
total = "10m"
times = 1
`;

/** One rule per case, all over the same managers; the case names the rule it asks. */
const RULES = {
  proxy: 'sessions ∧ down',
  two: '(sessions ∧ down) ∨ (s0 ∧ d0)',
  groups: 'sessions ∧ g0 ∧ ¬g1',
  hosts: '(h0 ∨ h1) ∧ ¬h2',
  cu: 'sessions ∧ (puntoCu ∨ down)',
  routes: '(range0 ∧ iface0) ∨ (range1 ∧ proxy0)',
  ifaces: '(range0 ∧ iface1) ∨ iface0',
  time: 'day',
};

function ctx(clientIp: string, at: Date, target?: Target): RequestContext {
  const base = { surface: 'proxy' as const, clientIp, at, users: new Map<string, string>() };
  return target === undefined ? base : { ...base, target };
}
const http = (host: string): Target => ({ host, port: 80, url: new URL(`http://${host}/`), method: 'GET' });
const connect = (host: string, port = 443): Target => ({ host, port, method: 'CONNECT' });
const matches = (d: Decision) => Object.fromEntries(d.trace.map((t) => [t.name, t.match]));

describe('acceptance cases of the Go original, adapted', () => {
  let gateway: Gateway;
  let cleanup: () => void;
  const clock = new ManualClock('2026-11-20T10:00:00Z');
  let rules: RulePolicy;
  const decide = (rule: keyof typeof RULES, c: RequestContext) => rules.decide(rule, c);
  const quota = (name: string) => gateway.managers.get(name) as QuotaView;

  before(async () => {
    const cfg = writeConfigDir(`rule = "${RULES.proxy}"\n${USERS}\n${MANAGERS}`);
    cleanup = cfg.cleanup;
    gateway = await startGateway(cfg.dir, clock);
    // Each case's rule, compiled over the running gateway's managers.
    rules = new RulePolicy(
      new Map(Object.entries(RULES).map(([name, text]) => [name, compileRule(name, text, gateway.managers)])),
    );
    gateway.services.store.putUser({ name: 'user0', passwordHash: 'unused', displayName: 'User Zero' });
    gateway.services.store.setGroups('user0', ['group0']);
  });
  after(async () => {
    await gateway.stop();
    cleanup();
  });

  it('1–2: before login the rule is false with only sessions reached; after login true with down attached; after logout false again', async () => {
    const ip = '10.1.1.1';
    const before = await decide('proxy', ctx(ip, clock.now(), http('example.org')));
    assert.equal(before.allow, false);
    assert.equal(before.result, 'false');
    assert.deepEqual(
      before.trace.map((t) => [t.name, t.kind, t.match]),
      [['sessions', 'sessionIPM', false]],
    );

    gateway.services.sessions.open('sessions', 'map', ip, 'user0');
    const after = await decide('proxy', ctx(ip, clock.now(), http('example.org')));
    assert.equal(after.result, 'true');
    assert.deepEqual(matches(after), { sessions: true, down: true });
    assert.deepEqual(
      after.meters.map((m) => m.manager),
      ['down'],
    );
    assert.equal(after.user, 'user0');

    gateway.services.sessions.close('sessions', ip);
    const closed = await decide('proxy', ctx(ip, clock.now(), http('example.org')));
    assert.equal(closed.allow, false);
  });

  it('3: a quota of 1 KB lets 1024 bytes through and not one more', async () => {
    const ip = '10.1.1.3';
    gateway.services.sessions.open('sessions', 'map', ip, 'user0');
    const d = await decide('proxy', ctx(ip, clock.now(), http('example.org')));
    const meter = d.meters[0];
    assert.ok(meter !== undefined);
    assert.equal(meter.charge(1024), 1024);
    assert.equal(meter.charge(1), 0);
    const next = await decide('proxy', ctx(ip, clock.now(), http('example.org')));
    assert.equal(next.allow, false);
    const down = next.trace.find((t) => t.name === 'down');
    assert.equal(down?.quotaExhausted, true);
    assert.match(down?.reason ?? '', /1\.0 KB of 1\.0 KB/u);
    quota('down').reset('user0');
  });

  it('4–5: quota is the sum over groups; an admin set shows; a reset goes to 0, not 1', () => {
    const down = quota('down');
    assert.equal(down.quotaFor('user0'), 1024);
    assert.equal(down.quotaFor('user1'), 1024 + 512);
    assert.equal(down.consumption('user0'), 0);
    gateway.services.consumption.set('down', 'user1', 19);
    assert.equal(down.consumption('user1'), 19);
    down.reset('user1');
    assert.equal(down.consumption('user1'), 0);
  });

  it('6: show gives the configured values', () => {
    const settings = quota('down').settings();
    assert.equal(settings['name'], 'down');
    assert.equal(settings['userDBN'], 'map');
    assert.match(String(settings['resetCycle']), /^168h/u);
  });

  it('9: with two session managers, login through s0 reaches s0 and d0 and attaches d0', async () => {
    const ip = '10.1.1.9';
    gateway.services.sessions.open('s0', 'sql', ip, 'user0');
    const d = await decide('two', ctx(ip, clock.now(), http('example.org')));
    assert.equal(d.result, 'true');
    assert.deepEqual(matches(d), { sessions: false, s0: true, d0: true });
    assert.deepEqual(
      d.meters.map((m) => m.manager),
      ['d0'],
    );
  });

  it('10: s ∧ g0 ∧ ¬g1 denies user1 (group0 and group1) and allows user0', async () => {
    gateway.services.sessions.open('sessions', 'map', '10.1.2.1', 'user1');
    gateway.services.sessions.open('sessions', 'map', '10.1.2.0', 'user0');
    assert.equal((await decide('groups', ctx('10.1.2.1', clock.now(), http('a.org')))).result, 'false');
    assert.equal((await decide('groups', ctx('10.1.2.0', clock.now(), http('a.org')))).result, 'true');
  });

  it('11: (h0 ∨ h1) ∧ ¬h2 denies facebook, allows google and youtube, for HTTP and CONNECT alike', async () => {
    for (const [host, allowed] of [
      ['www.google.com', true],
      ['www.youtube.com', true],
      ['www.facebook.com', false],
    ] as const) {
      assert.equal((await decide('hosts', ctx('10.9.9.9', clock.now(), http(host)))).allow, allowed, host);
      assert.equal(
        (await decide('hosts', ctx('10.9.9.9', clock.now(), connect(host)))).allow,
        allowed,
        `CONNECT ${host}`,
      );
    }
  });

  it('12: sessions ∧ (puntoCu ∨ down) leaves .cu unmetered, also over CONNECT host:443 (a bug of the original)', async () => {
    const ip = '10.1.1.12';
    gateway.services.sessions.open('sessions', 'map', ip, 'user0');
    const cu = await decide('cu', ctx(ip, clock.now(), connect('www.upr.edu.cu')));
    assert.equal(cu.allow, true);
    assert.deepEqual(cu.meters, []);
    const google = await decide('cu', ctx(ip, clock.now(), http('google.com')));
    assert.deepEqual(
      google.meters.map((m) => m.manager),
      ['down'],
    );
  });

  it('12b: discovery without a URL leaves the host test open instead of crashing (a bug of the original)', async () => {
    const ip = '10.1.1.13';
    gateway.services.sessions.open('sessions', 'map', ip, 'user0');
    const d = await decide('cu', { surface: 'discover', clientIp: ip, at: clock.now(), users: new Map() });
    assert.equal(d.allow, false);
    assert.equal(d.result, 'puntoCu ∨ down');
  });

  it('13: ranges pick the outgoing route; outside both ranges is denied', async () => {
    assert.equal((await decide('routes', ctx('10.1.0.1', clock.now(), http('a.org')))).allow, false);
    const viaIface = await decide('routes', ctx('10.2.1.1', clock.now(), http('a.org')));
    assert.equal(viaIface.route?.localAddress, '127.0.0.1');
    const viaProxy = await decide('routes', ctx('10.3.1.1', clock.now(), http('a.org')));
    assert.equal(viaProxy.route?.parentProxy?.href, 'socks5://proxy0.org:9050');
  });

  it('13b: with two netIfaces, the one evaluation reached applies (the original applied another)', async () => {
    const inRange = await decide('ifaces', ctx('10.2.1.1', clock.now(), http('a.org')));
    assert.equal(inRange.route?.manager, 'iface1');
    assert.equal(inRange.route?.localAddress, '127.0.0.2');
    const outside = await decide('ifaces', ctx('10.7.1.1', clock.now(), http('a.org')));
    assert.equal(outside.route?.manager, 'iface0');
  });

  it('14: a timeSpan takes part in rules (the original never wired it in)', async () => {
    const inside = await decide('time', ctx('10.0.0.1', new Date('2006-01-02T15:05:05-04:00')));
    assert.equal(inside.allow, true);
    const later = await decide('time', ctx('10.0.0.1', new Date('2006-01-02T15:20:05-04:00')));
    assert.equal(later.allow, false);
    assert.equal((await decide('time', ctx('10.0.0.1', clock.now()))).allow, false);
  });

  it('per request: a user’s visit to an unmetered site does not un-meter their other requests', async () => {
    const ip = '10.1.1.14';
    gateway.services.sessions.open('sessions', 'map', ip, 'user1');
    const metered = await decide('cu', ctx(ip, clock.now(), http('google.com')));
    await decide('cu', ctx(ip, clock.now(), http('www.upr.edu.cu')));
    assert.deepEqual(
      metered.meters.map((m) => m.manager),
      ['down'],
    );
    const again = await decide('cu', ctx(ip, clock.now(), http('google.com')));
    assert.deepEqual(
      again.meters.map((m) => m.manager),
      ['down'],
    );
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { dwnConsR, type DwnConsRConfig, DownloadQuotaManager } from '../../src/managers/dwn-cons-r.js';
import type { Meter, RequestContext, Verdict } from '../../src/managers/types.js';
import { Issues, formatIssue } from '../../src/config/issues.js';
import { TableReader, isTable } from '../../src/config/table-reader.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { ManualClock } from '../../src/util/clock.js';
import { servicesOver } from './metering-services.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Parses one `[[dwnConsR]]` table the way the configuration loader does. */
function parse(toml: string): { config: DwnConsRConfig | undefined; issues: string[]; table: TableReader } {
  const doc = parseToml(toml);
  const list = doc['dwnConsR'];
  assert.ok(Array.isArray(list) && isTable(list[0]));
  const issues = new Issues('managers.toml');
  const table = new TableReader(list[0], 'dwnConsR[0]', issues);
  const config = dwnConsR.parse(table);
  return { config, issues: issues.list.map(formatIssue), table };
}

const README = `
[[dwnConsR]]
name = "down"
userDBN = "users"
resetCycle = "24h"
[dwnConsR.groupQuota]
students = "1 MB"
staff = "4 MB"
guests = "512 KB"
`;

describe('dwnConsR configuration', () => {
  it('reads the README’s table: userDBN, resetCycle, groupQuota in binary units', () => {
    const { config, issues } = parse(README);
    assert.deepEqual(issues, []);
    assert.ok(config !== undefined);
    assert.equal(config.name, 'down');
    assert.equal(config.userDBN, 'users');
    assert.equal(config.resetCycleMs, 24 * 3_600_000);
    assert.deepEqual(
      [...config.groupQuota],
      [
        ['students', MiB],
        ['staff', 4 * MiB],
        ['guests', 512 * KiB],
      ],
    );
    assert.equal(config.resetAnchor.toISOString(), '1970-01-05T00:00:00.000Z');
  });

  it('reports every mistake at once, each with its key path', () => {
    const { config, issues } = parse(`
[[dwnConsR]]
name = "down"
resetCycle = "0s"
colour = "blue"
[dwnConsR.groupQuota]
students = "1 Gb"
staff = "lots"
`);
    assert.equal(config, undefined);
    assert.deepEqual(issues, [
      'managers.toml: dwnConsR[0].userDBN: is required',
      'managers.toml: dwnConsR[0].resetCycle: must be longer than zero, not "0s"',
      'managers.toml: dwnConsR[0].groupQuota.students: "1 Gb": "Gb" reads as bits; write "GB" for bytes',
      'managers.toml: dwnConsR[0].groupQuota.staff: "lots" is not a size (an integer and a unit: "512 B", "10 MB", "1 GB")',
      'managers.toml: dwnConsR[0].colour: unknown key',
    ]);
  });

  it('refuses a negative reset cycle (the original crashed on 0)', () => {
    const { issues } = parse(README.replace('"24h"', '"-24h"'));
    assert.deepEqual(issues, ['managers.toml: dwnConsR[0].resetCycle: must be longer than zero, not "-24h"']);
  });

  it('takes groupQuota spelled exactly so: GroupQuota is an unknown key, not a silent zero', () => {
    const { config, issues } = parse(README.replace('[dwnConsR.groupQuota]', '[dwnConsR.GroupQuota]'));
    assert.equal(config, undefined);
    assert.deepEqual(issues, [
      'managers.toml: dwnConsR[0].GroupQuota: unknown key (the key is spelled groupQuota)',
      'managers.toml: dwnConsR[0].groupQuota: is required',
    ]);
  });

  it('takes a resetAnchor as an RFC 3339 string or a TOML datetime', () => {
    const s = parse(
      README.replace('resetCycle = "24h"', 'resetCycle = "24h"\nresetAnchor = "2024-01-01T00:00:00-04:00"'),
    );
    assert.equal(s.config?.resetAnchor.toISOString(), '2024-01-01T04:00:00.000Z');
    const d = parse(
      README.replace('resetCycle = "24h"', 'resetCycle = "24h"\nresetAnchor = 2024-01-01T05:00:00Z'),
    );
    assert.equal(d.config?.resetAnchor.toISOString(), '2024-01-01T05:00:00.000Z');
    const bad = parse(README.replace('resetCycle = "24h"', 'resetCycle = "24h"\nresetAnchor = "midnight"'));
    assert.equal(bad.config, undefined);
    assert.match(
      bad.issues[0] ?? '',
      /^managers\.toml: dwnConsR\[0\]\.resetAnchor: "midnight" is not a date/u,
    );
  });

  it('names the key when userDBN names no user database', () => {
    const { config, table } = parse(README.replace('userDBN = "users"', 'userDBN = "ldap"'));
    assert.ok(config !== undefined);
    dwnConsR.check?.(config, { userDBs: new Set(['users', 'sql']), managers: new Map() }, table);
    assert.deepEqual(table.issues.list.map(formatIssue), [
      'managers.toml: dwnConsR[0].userDBN: names no user database "ldap" (there is "users", "sql")',
    ]);
  });
});

describe('dwnConsR on a real store', () => {
  let dir: string;
  let n = 0;
  const stores: Store[] = [];
  const openStore = (path = join(dir, `store-${n++}.sqlite`)) => {
    const s = SqliteStore.open(path);
    stores.push(s);
    return s;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pmproxy-dwn-'));
  });
  after(() => {
    for (const s of stores) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function setUp(opts: { store?: Store; clock?: ManualClock; toml?: string } = {}) {
    const clock = opts.clock ?? new ManualClock('2026-11-20T10:00:00Z');
    const store = opts.store ?? openStore();
    const services = servicesOver(store, clock, {
      alice: ['students'],
      bob: ['students', 'staff'],
      carol: ['visitors'],
      dave: ['students', 'students'],
    });
    const config = parse(opts.toml ?? README).config;
    assert.ok(config !== undefined);
    const manager = dwnConsR.create(config, services);
    assert.ok(manager instanceof DownloadQuotaManager);
    manager.commit();
    return { clock, store, services, manager };
  }

  /** A request whose user an earlier manager (proxyAuth) already established in DB "users". */
  const asUser = (user: string, clock: ManualClock, ip = '10.0.0.7'): RequestContext => ({
    surface: 'proxy',
    clientIp: ip,
    at: clock.now(),
    users: new Map([['users', user]]),
  });

  async function meterOf(manager: DownloadQuotaManager, ctx: RequestContext): Promise<Meter> {
    const v: Verdict = await manager.test(ctx);
    assert.equal(v.match, true, v.reason);
    assert.equal(v.effect?.kind, 'meter');
    if (v.effect?.kind !== 'meter') throw new Error('no meter');
    return v.effect.meter;
  }

  it('gives each user the sum of the quotas of their listed groups', () => {
    const { manager } = setUp();
    assert.equal(manager.quotaFor('alice'), MiB);
    assert.equal(manager.quotaFor('bob'), MiB + 4 * MiB);
    assert.equal(manager.quotaFor('carol'), 0, 'visitors is not listed');
    assert.equal(manager.quotaFor('dave'), MiB, 'a group listed twice counts once');
    assert.equal(manager.quotaFor('nobody'), 0);
  });

  it('sees a group change at once, not at the next restart (the original cached quotas)', () => {
    const { manager, store } = setUp();
    assert.equal(manager.quotaFor('alice'), MiB);
    store.setGroups('alice', ['students', 'guests']);
    assert.equal(manager.quotaFor('alice'), MiB + 512 * KiB);
  });

  it('meters a user with room, charging the ledger and describing the consumption', async () => {
    const { manager, clock, services } = setUp();
    const meter = await meterOf(manager, asUser('alice', clock));
    assert.equal(meter.manager, 'down');
    assert.equal(meter.user, 'alice');
    assert.equal(meter.charge(300 * KiB), 300 * KiB);
    assert.equal(services.consumption.used('down', 'alice'), 300 * KiB);
    assert.equal(manager.consumption('alice'), 300 * KiB);
    assert.equal(meter.describe(), '300.0 KB of 1.0 MB');
  });

  it('lets through only the part of a chunk that fits, and nothing after', async () => {
    const { manager, clock } = setUp();
    const meter = await meterOf(manager, asUser('alice', clock));
    assert.equal(meter.charge(MiB - 100), MiB - 100);
    assert.equal(meter.charge(64 * KiB), 100);
    assert.equal(manager.consumption('alice'), MiB, 'charged exactly what was let through');
    assert.equal(meter.charge(1), 0);
    assert.equal(manager.consumption('alice'), MiB);
  });

  it('says no once the quota is used up, saying how much', async () => {
    const { manager, clock } = setUp();
    const meter = await meterOf(manager, asUser('alice', clock));
    meter.charge(2 * MiB);
    const v = await manager.test(asUser('alice', clock));
    assert.deepEqual(v, {
      match: false,
      quotaExhausted: true,
      resetsAt: manager.cycle().next,
      reason: 'quota exhausted: 1.0 MB of 1.0 MB used',
    });
    // A group with no quota listed means no downloads at all, as in the original.
    const carol = await manager.test(asUser('carol', clock));
    assert.equal(carol.match, false);
    assert.equal(carol.quotaExhausted, true);
  });

  it('says no when nobody is known at the address', async () => {
    const { manager, clock } = setUp();
    const v = await manager.test({
      surface: 'proxy',
      clientIp: '10.9.8.7',
      at: clock.now(),
      users: new Map(),
    });
    assert.deepEqual(v, { match: false, reason: 'no user for 10.9.8.7' });
  });

  it('says no for a user the user DB no longer has', async () => {
    const { manager, clock, store } = setUp();
    store.deleteUser('alice');
    const v = await manager.test(asUser('alice', clock));
    assert.deepEqual(v, { match: false, reason: 'alice is not in users' });
  });

  it('charges the user of a session opened through its user DB', async () => {
    const { manager, clock, services } = setUp();
    services.sessions.configure('sessions', 'users', { idleTimeout: 0, lifetime: 0 });
    services.sessions.open('sessions', 'users', '10.1.1.1', 'bob');
    const meter = await meterOf(manager, {
      surface: 'proxy',
      clientIp: '10.1.1.1',
      at: clock.now(),
      users: new Map(),
    });
    assert.equal(meter.user, 'bob');
  });

  it('adds up two concurrent downloads of one user, which share the room left', async () => {
    const { manager, clock } = setUp();
    const first = await meterOf(manager, asUser('alice', clock));
    const second = await meterOf(manager, asUser('alice', clock, '10.0.0.8'));
    let delivered = 0;
    for (let i = 0; i < 20; i++) {
      delivered += first.charge(32 * KiB);
      delivered += second.charge(16 * KiB);
    }
    assert.equal(delivered, 20 * 48 * KiB);
    assert.equal(manager.consumption('alice'), 20 * 48 * KiB);
    // 64 KiB left: the first flow takes 32 KiB, the second the remaining 32 KiB of its 64 KiB chunk.
    assert.equal(first.charge(32 * KiB), 32 * KiB);
    assert.equal(second.charge(64 * KiB), 32 * KiB);
    assert.equal(first.charge(1), 0);
    assert.equal(manager.consumption('alice'), MiB);
  });

  it('lets the user in again the moment a new cycle starts', async () => {
    const { manager, clock } = setUp({ clock: new ManualClock('2026-11-20T23:59:59Z') });
    const meter = await meterOf(manager, asUser('alice', clock));
    assert.equal(meter.charge(2 * MiB), MiB);
    assert.equal((await manager.test(asUser('alice', clock))).match, false);
    clock.set('2026-11-21T00:00:00Z');
    assert.equal(manager.consumption('alice'), 0);
    assert.equal((await manager.test(asUser('alice', clock))).match, true);
    // A tunnel opened in the old cycle gets the new cycle's room, too.
    assert.equal(meter.charge(10), 10);
    assert.deepEqual(manager.cycle(), {
      start: new Date('2026-11-21T00:00:00Z'),
      next: new Date('2026-11-22T00:00:00Z'),
    });
  });

  it('keeps consumption across a flush and a restart over the same store file', async () => {
    const path = join(dir, 'restart.sqlite');
    const clock = new ManualClock('2026-11-20T10:00:00Z');
    const first = setUp({ store: openStore(path), clock });
    (await meterOf(first.manager, asUser('bob', clock))).charge(3 * MiB);
    first.services.consumption.flush();
    first.services.store.close();

    const second = setUp({ store: openStore(path), clock });
    assert.equal(second.manager.consumption('bob'), 3 * MiB);
    const meter = await meterOf(second.manager, asUser('bob', clock));
    assert.equal(meter.charge(3 * MiB), 2 * MiB);
  });

  it('sees a reset by the admin CLI (another store handle) after the next flush', async () => {
    const path = join(dir, 'admin.sqlite');
    const clock = new ManualClock('2026-11-20T10:00:00Z');
    const server = setUp({ store: openStore(path), clock });
    (await meterOf(server.manager, asUser('alice', clock))).charge(MiB);
    server.services.consumption.flush();
    assert.equal((await server.manager.test(asUser('alice', clock))).match, false);

    const admin = setUp({ store: openStore(path), clock });
    assert.equal(admin.manager.consumption('alice'), MiB);
    admin.manager.reset('alice');
    assert.equal(admin.manager.consumption('alice'), 0, 'reset to 0, not 1 B');

    server.services.consumption.flush();
    assert.equal(server.manager.consumption('alice'), 0);
    assert.equal((await server.manager.test(asUser('alice', clock))).match, true);
  });

  it('sets a consumption (admin set) and resets it to 0', () => {
    const { manager } = setUp();
    manager.setConsumption('bob', 19);
    assert.equal(manager.consumption('bob'), 19);
    manager.reset('bob');
    assert.equal(manager.consumption('bob'), 0);
  });

  it('shows its settings as an admin writes them', () => {
    const { manager } = setUp();
    assert.deepEqual(manager.settings(), {
      name: 'down',
      userDBN: 'users',
      resetCycle: '24h0m0s',
      groupQuota: { students: '1.0 MB', staff: '4.0 MB', guests: '512.0 KB' },
      resetAnchor: '1970-01-05T00:00:00.000Z',
      nextReset: '2026-11-21T00:00:00.000Z',
    });
  });

  it('lays the cycle on the resetAnchor’s grid', () => {
    const { manager } = setUp({
      toml: README.replace('resetCycle = "24h"', 'resetCycle = "168h"\nresetAnchor = "2026-11-07T06:00:00Z"'),
    });
    assert.deepEqual(manager.cycle(), {
      start: new Date('2026-11-14T06:00:00Z'),
      next: new Date('2026-11-21T06:00:00Z'),
    });
  });
});

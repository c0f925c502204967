import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseToml } from 'smol-toml';
import { bwConsR, BandwidthManager, type BwConsRConfig } from '../../src/managers/bw-cons-r.js';
import type { Pacer, RequestContext } from '../../src/managers/types.js';
import { Issues, formatIssue } from '../../src/config/issues.js';
import { TableReader, isTable } from '../../src/config/table-reader.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { ManualClock } from '../../src/util/clock.js';
import { servicesOver } from './metering-services.js';

const KiB = 1024;

function parse(toml: string): { config: BwConsRConfig | undefined; issues: string[]; table: TableReader } {
  const list = parseToml(toml)['bwConsR'];
  assert.ok(Array.isArray(list) && isTable(list[0]));
  const issues = new Issues('managers.toml');
  const table = new TableReader(list[0], 'bwConsR[0]', issues);
  return { config: bwConsR.parse(table), issues: issues.list.map(formatIssue), table };
}

const TOML = `
[[bwConsR]]
name = "slow"
userDBN = "users"
[bwConsR.groupRate]
students = "128 KB"
staff = "1 MB/s"
`;

describe('bwConsR configuration', () => {
  it('reads group rates as sizes per second, with or without "/s"', () => {
    const { config, issues } = parse(TOML);
    assert.deepEqual(issues, []);
    assert.deepEqual(config, {
      name: 'slow',
      userDBN: 'users',
      groupRate: new Map([
        ['students', 128 * KiB],
        ['staff', 1024 * KiB],
      ]),
    });
  });

  it('reports every mistake with its key path', () => {
    const { config, issues } = parse(`
[[bwConsR]]
name = "slow"
userDBN = "users"
burst = 3
[bwConsR.groupRate]
students = "0 KB"
staff = "fast"
`);
    assert.equal(config, undefined);
    assert.deepEqual(issues, [
      'managers.toml: bwConsR[0].groupRate.students: must be more than 0 bytes',
      'managers.toml: bwConsR[0].groupRate.staff: "fast" is not a size (an integer and a unit: "512 B", "10 MB", "1 GB")',
      'managers.toml: bwConsR[0].burst: unknown key',
    ]);
  });

  it('names the key when userDBN names no user database', () => {
    const { config, table } = parse(TOML.replace('userDBN = "users"', 'userDBN = "nope"'));
    assert.ok(config !== undefined);
    bwConsR.check?.(config, { userDBs: new Set(['users']), managers: new Map() }, table);
    assert.deepEqual(table.issues.list.map(formatIssue), [
      'managers.toml: bwConsR[0].userDBN: names no user database "nope" (there is "users")',
    ]);
  });
});

describe('bwConsR pacing', () => {
  const stores: Store[] = [];
  let clock: ManualClock;
  let manager: BandwidthManager;

  before(() => {
    clock = new ManualClock('2026-11-20T10:00:00Z');
    const store = SqliteStore.open(':memory:');
    stores.push(store);
    const services = servicesOver(store, clock, {
      alice: ['students'],
      bob: ['students', 'staff'],
      carol: ['visitors'],
    });
    const config = parse(TOML).config;
    assert.ok(config !== undefined);
    const created = bwConsR.create(config, services);
    assert.ok(created instanceof BandwidthManager);
    manager = created;
  });
  after(() => {
    for (const s of stores) s.close();
  });

  const asUser = (user: string, ip = '10.0.0.7'): RequestContext => ({
    surface: 'proxy',
    clientIp: ip,
    at: clock.now(),
    users: new Map([['users', user]]),
  });

  async function pacerOf(ctx: RequestContext): Promise<Pacer> {
    const v = await manager.test(ctx);
    assert.equal(v.match, true);
    if (v.effect?.kind !== 'pace') throw new Error(`expected a pacer, got ${JSON.stringify(v)}`);
    return v.effect.pacer;
  }

  it('gives a user the largest rate among their groups', () => {
    assert.equal(manager.rateFor('alice'), 128 * KiB);
    assert.equal(manager.rateFor('bob'), 1024 * KiB);
    assert.equal(manager.rateFor('carol'), undefined);
  });

  it('lets a user in none of the listed groups through unpaced', async () => {
    const v = await manager.test(asUser('carol'));
    assert.equal(v.match, true);
    assert.equal(v.effect, undefined);
  });

  it('says no when nobody is known at the address', async () => {
    const v = await manager.test({
      surface: 'proxy',
      clientIp: '10.9.9.9',
      at: clock.now(),
      users: new Map(),
    });
    assert.deepEqual(v, { match: false, reason: 'no user for 10.9.9.9' });
  });

  it('paces two downloads of one user to one shared rate', async () => {
    const first = await pacerOf(asUser('alice'));
    const second = await pacerOf(asUser('alice', '10.0.0.8'));
    assert.equal(first.manager, 'slow');
    assert.equal(first.user, 'alice');
    // 128 KiB/s: the bucket holds one second; both flows draw from it.
    assert.equal(first.take(64 * KiB), 0);
    assert.equal(second.take(64 * KiB), 0);
    assert.equal(first.take(64 * KiB), 500);
    assert.equal(second.take(64 * KiB), 1000);
    clock.advance(1000);
    assert.equal(first.take(0), 0);
    // Another user is not slowed by alice's debt.
    const bob = await pacerOf(asUser('bob', '10.0.0.9'));
    assert.equal(bob.take(512 * KiB), 0);
  });
});

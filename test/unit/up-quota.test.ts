import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseToml } from 'smol-toml';
import { isTable } from '../../src/config/table-reader.js';
import { hmacUpload } from '../../src/managers/hmac-upload.js';
import type { Meter, RequestContext, Services, Surface, Verdict } from '../../src/managers/types.js';
import { upQuota, UploadQuotaManager } from '../../src/managers/up-quota.js';
import { Ledger } from '../../src/metering/ledger.js';
import { compileRule } from '../../src/rules/compile.js';
import { evaluate } from '../../src/rules/evaluate.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { ManualClock } from '../../src/util/clock.js';
import { reader } from './identity-fixtures.js';
import { servicesOver } from './metering-services.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const DOMAIN = 'chat.example.org';
const ACCOUNT = 'xmpp:chat.example.org';

const TOML = `
[[upQuota]]
name = "room"
resetCycle = "24h"
domainQuota = { "chat.example.org" = "5 GB", "small.example" = "1 MB" }
userDBN = "users"
groupQuota = { staff = "2 GB", students = "100 MB" }
`;

const stores: SqliteStore[] = [];
after(() => stores.forEach((s) => s.close()));

function setUp(toml = TOML, clock = new ManualClock('2026-11-20T10:00:00Z')) {
  const store = SqliteStore.open(':memory:');
  stores.push(store);
  const services = servicesOver(store, clock, {
    alice: ['students'],
    bob: ['staff', 'students'],
    carol: ['visitors'],
    // A [mapDB] may hold any name: this one must never draw on the domain's account.
    [ACCOUNT]: ['staff'],
  });
  return { store, clock, services, manager: make(toml, services) };
}

function make(toml: string, services: Services): UploadQuotaManager {
  const list = parseToml(toml)['upQuota'];
  assert.ok(Array.isArray(list) && isTable(list[0]));
  const config = upQuota.parse(reader(list[0], 'upQuota[0]').table);
  assert.ok(config !== undefined);
  const manager = upQuota.create(config, services);
  assert.ok(manager instanceof UploadQuotaManager);
  manager.commit();
  return manager;
}

interface Upload {
  size: number;
  signedBy?: Record<string, string>;
  user?: string;
  surface?: Surface;
}

/** A PUT of `size` bytes, as the file route builds it after earlier managers recorded who signed. */
function put(clock: ManualClock, { size, signedBy = {}, user, surface = 'upload' }: Upload): RequestContext {
  return {
    surface,
    clientIp: '192.0.2.5',
    at: clock.now(),
    users: new Map(user === undefined ? [] : [['users', user]]),
    upload: {
      path: 'uuid/file.bin',
      size,
      query: new URLSearchParams(),
      signedBy: new Map(Object.entries(signedBy)),
    },
  };
}

async function meterOf(manager: UploadQuotaManager, ctx: RequestContext): Promise<Meter> {
  const v: Verdict = await manager.test(ctx);
  assert.equal(v.match, true, v.reason);
  if (v.effect?.kind !== 'meter') throw new Error(`no meter: ${JSON.stringify(v)}`);
  return v.effect.meter;
}

describe('upQuota decisions', () => {
  it('only judges uploads', async () => {
    const { manager, clock } = setUp();
    for (const surface of ['proxy', 'discover', 'api', 'admin', 'download'] as const) {
      const base = { surface, clientIp: '192.0.2.5', at: clock.now(), users: new Map() };
      assert.deepEqual(await manager.test(base), { match: false, reason: 'only judges uploads' });
    }
    const upload = put(clock, { size: 1, signedBy: { prosody: DOMAIN }, surface: 'proxy' });
    assert.deepEqual(await manager.test(upload), { match: false, reason: 'only judges uploads' });
  });

  it('charges the domain a verified signer vouches for, under xmpp:<domain>', async () => {
    const { manager, clock } = setUp();
    const ctx = put(clock, { size: 10 * MiB, signedBy: { prosody: DOMAIN } });
    const verdict = await manager.test(ctx);
    assert.equal(verdict.reason, 'xmpp:chat.example.org: 0 B of 5.0 GB used');
    const meter = await meterOf(manager, ctx);
    assert.equal(meter.manager, 'room');
    assert.equal(meter.user, ACCOUNT);
    assert.equal(manager.consumption(ACCOUNT), 0, 'nothing charged before the route stores the file');
    assert.equal(meter.charge(10 * MiB), 10 * MiB);
    assert.equal(manager.consumption(ACCOUNT), 10 * MiB);
    assert.equal(manager.quotaFor(ACCOUNT), 5 * GiB);
    assert.equal(meter.describe(), '10.0 MB of 5.0 GB');
  });

  it('takes the domain over the user, and skips signers whose domain is not listed', async () => {
    const { manager, clock } = setUp();
    const both = put(clock, {
      size: 1,
      user: 'alice',
      signedBy: { other: 'other.example', prosody: DOMAIN },
    });
    assert.equal((await meterOf(manager, both)).user, ACCOUNT);
    const unlisted = put(clock, { size: 1, user: 'alice', signedBy: { other: 'other.example' } });
    assert.equal((await meterOf(manager, unlisted)).user, 'alice');
  });

  it('charges a user of the user DB the sum of their groups’ quotas', async () => {
    const { manager, clock } = setUp();
    assert.equal(manager.quotaFor('bob'), 2 * GiB + 100 * MiB);
    const meter = await meterOf(
      manager,
      put(clock, { size: MiB, user: 'bob', signedBy: { x: 'o.example' } }),
    );
    assert.equal(meter.user, 'bob');
    assert.equal(meter.charge(MiB), MiB);
    assert.equal(manager.consumption('bob'), MiB);
    assert.equal(manager.consumption(ACCOUNT), 0);
  });

  it('says no to an uploader it has no quota for, saying why', async () => {
    const { manager, clock } = setUp();
    const cases: [Upload, string][] = [
      [
        { size: 1, signedBy: { other: 'other.example' } },
        'no upload quota for this uploader (signed for other.example, not in domainQuota; no user of users known)',
      ],
      [
        { size: 1, signedBy: { other: 'other.example' }, user: 'carol' },
        'no upload quota for this uploader (signed for other.example, not in domainQuota; carol has no group in groupQuota)',
      ],
      [
        { size: 1, signedBy: { other: 'other.example' }, user: ACCOUNT },
        'no upload quota for this uploader (signed for other.example, not in domainQuota; xmpp:chat.example.org has no group in groupQuota)',
      ],
    ];
    for (const [upload, reason] of cases)
      assert.deepEqual(await manager.test(put(clock, upload)), { match: false, reason });
    const domainsOnly = make(TOML.replace(/userDBN.*\ngroupQuota.*\n/u, ''), setUp().services);
    assert.deepEqual(await domainsOnly.test(put(clock, { size: 1, signedBy: { o: 'other.example' } })), {
      match: false,
      reason: 'no upload quota for this uploader (signed for other.example, not in domainQuota)',
    });
  });

  it('refuses, before any byte is read, an upload that would pass the quota', async () => {
    const { manager, clock } = setUp();
    manager.setConsumption(ACCOUNT, 5 * GiB - 150 * MiB);
    const tooBig = await manager.test(put(clock, { size: 200 * MiB, signedBy: { prosody: DOMAIN } }));
    assert.deepEqual(tooBig, {
      match: false,
      quotaExhausted: true,
      reason: 'quota reached: 4.9 GB of 5.0 GB used, 200.0 MB more asked (xmpp:chat.example.org)',
    });
    assert.equal(manager.consumption(ACCOUNT), 5 * GiB - 150 * MiB, 'a refusal charges nothing');
    // What exactly fills the quota is allowed; one byte more is not.
    const exact = await meterOf(manager, put(clock, { size: 150 * MiB, signedBy: { prosody: DOMAIN } }));
    assert.equal(exact.charge(150 * MiB), 150 * MiB);
    const oneMore = await manager.test(put(clock, { size: 1, signedBy: { prosody: DOMAIN } }));
    assert.equal(oneMore.match, false);
    assert.equal(oneMore.quotaExhausted, true);
  });

  it('records a stored upload in full even past the quota, answering how much fitted', async () => {
    const { manager, clock } = setUp();
    // Two uploads judged before either is stored both fit alone.
    const first = await meterOf(manager, put(clock, { size: 700 * 1024, signedBy: { s: 'small.example' } }));
    const second = await meterOf(manager, put(clock, { size: 700 * 1024, signedBy: { s: 'small.example' } }));
    assert.equal(first.charge(700 * 1024), 700 * 1024);
    assert.equal(second.charge(700 * 1024), 324 * 1024);
    assert.equal(manager.consumption('xmpp:small.example'), 1400 * 1024);
    assert.equal(
      (await manager.test(put(clock, { size: 0, signedBy: { s: 'small.example' } }))).match,
      false,
    );
  });

  it('counts the room uploads in progress hold, and says so', async () => {
    const { manager, clock, services } = setUp();
    const ctx = put(clock, { size: 600 * 1024, signedBy: { s: 'small.example' } });
    const first = (await meterOf(manager, ctx)).reserve?.(600 * 1024);
    assert.ok(first !== undefined && !('refused' in first));
    assert.deepEqual(await manager.test(ctx), {
      match: false,
      quotaExhausted: true,
      reason:
        'quota reached: 0 B of 1.0 MB used, 600.0 KB held by uploads in progress, 600.0 KB more asked (xmpp:small.example)',
    });
    // A meter handed out while there was room is refused if the room is gone when it reserves.
    const late = await meterOf(manager, put(clock, { size: 400 * 1024, signedBy: { s: 'small.example' } }));
    first.release();
    const racing = (await meterOf(manager, ctx)).reserve?.(600 * 1024);
    assert.ok(racing !== undefined && !('refused' in racing));
    assert.deepEqual(late.reserve?.(500 * 1024), {
      refused:
        'quota reached: 0 B of 1.0 MB used, 600.0 KB held by uploads in progress, 500.0 KB more asked (xmpp:small.example)',
    });
    racing.commit();
    assert.equal(manager.consumption('xmpp:small.example'), 600 * 1024);
    assert.equal(services.consumption.reserved('room', 'xmpp:small.example'), 0);
  });

  it('keeps charges across a flush and a new ledger over the same store (a restart)', async () => {
    const { manager, clock, services, store } = setUp();
    (await meterOf(manager, put(clock, { size: 3 * MiB, signedBy: { prosody: DOMAIN } }))).charge(3 * MiB);
    services.consumption.flush();
    const restarted = make(TOML, { ...services, consumption: new Ledger(store, clock) });
    assert.equal(restarted.consumption(ACCOUNT), 3 * MiB);
  });

  it('starts every account at 0 when a new cycle starts', async () => {
    const { manager, clock } = setUp(TOML, new ManualClock('2026-11-20T23:59:59Z'));
    manager.setConsumption(ACCOUNT, 5 * GiB);
    (await meterOf(manager, put(clock, { size: MiB, user: 'alice' }))).charge(MiB);
    assert.equal((await manager.test(put(clock, { size: 1, signedBy: { prosody: DOMAIN } }))).match, false);
    clock.set('2026-11-21T00:00:00Z');
    assert.equal(manager.consumption(ACCOUNT), 0);
    assert.equal(manager.consumption('alice'), 0);
    assert.equal((await manager.test(put(clock, { size: 1, signedBy: { prosody: DOMAIN } }))).match, true);
    assert.deepEqual(manager.cycle(), {
      start: new Date('2026-11-21T00:00:00Z'),
      next: new Date('2026-11-22T00:00:00Z'),
    });
  });

  it('says the rule has it before the signature check when no signer is recorded', async () => {
    const { manager, clock } = setUp();
    assert.deepEqual(await manager.test(put(clock, { size: 1 })), {
      match: false,
      reason:
        'no signer recognised yet: put the hmacUpload manager before room in the rule (no user of users known)',
    });
  });

  it('is reached after a real hmacUpload in the rule, which tells it the domain (T3 vector)', async () => {
    const { manager, clock } = setUp();
    const prosody = hmacUpload.create(
      { name: 'prosody', secret: 'this is a secret string!', protocols: ['v'], domain: DOMAIN },
      {} as Services,
    );
    const managers = new Map([
      ['prosody', prosody],
      ['room', manager],
    ]);
    const signedPut = (): RequestContext => {
      const ctx = put(clock, { size: 23456 });
      const upload = {
        ...(ctx.upload as NonNullable<RequestContext['upload']>),
        path: '4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/très cool.jpg',
        query: new URLSearchParams('v=101b144f0bb522d8fee931e4460830cf5d16895daf7cfbbc5c85ee1db0a3d8ab'),
      };
      return { ...ctx, upload };
    };
    const right = await evaluate(compileRule('upload', 'prosody ∧ room', managers), signedPut());
    assert.equal(right.allow, true);
    assert.deepEqual(
      right.meters.map((m) => m.user),
      [ACCOUNT],
    );
    const wrong = await evaluate(compileRule('upload', 'room ∧ prosody', managers), signedPut());
    assert.equal(wrong.allow, false);
    assert.match(
      wrong.trace[0]?.reason ?? '',
      /^no signer recognised yet: put the hmacUpload manager before room/u,
    );
  });

  it('shows and resets what the admin tools show of dwnConsR', () => {
    const { manager } = setUp();
    manager.setConsumption(ACCOUNT, 2 * GiB);
    manager.setConsumption('alice', 19);
    assert.deepEqual(manager.settings(), {
      name: 'room',
      domainQuota: { [DOMAIN]: '5.0 GB', 'small.example': '1.0 MB' },
      userDBN: 'users',
      groupQuota: { staff: '2.0 GB', students: '100.0 MB' },
      resetCycle: '24h0m0s',
      resetAnchor: '1970-01-05T00:00:00.000Z',
      nextReset: '2026-11-21T00:00:00.000Z',
      domainUsed: { [DOMAIN]: '2.0 GB', 'small.example': '0 B' },
    });
    manager.reset(ACCOUNT);
    manager.reset('alice');
    assert.equal(manager.consumption(ACCOUNT), 0);
    assert.equal(manager.consumption('alice'), 0);
  });
});

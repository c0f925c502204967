import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect } from 'node:http2';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiClient, errorCode } from '../helpers/api-client.js';
import { apiManagersToml } from '../helpers/api-config.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';
import type { Gateway } from '../../src/server/gateway.js';

interface Status {
  user: string;
  name: string;
  groups: string[];
  manager: string | null;
  quota: string | null;
  bytesQuota: number | null;
  consumption: string | null;
  bytesCons: number | null;
  resetAt: string | null;
  isAdmin: boolean;
}

interface Discovery {
  result: string;
  allow: boolean;
  managers: { name: string; type: string; match: boolean | null; reason?: string }[];
}

const ALICE = '127.0.0.2';
const ADMIN = '127.0.0.3';
const BOB = '127.0.0.4';

describe('API routes', () => {
  let config: { dir: string; cleanup: () => void };
  let gateway: Gateway;
  let api: ApiClient;
  let alice: string;
  let admin: string;

  before(async () => {
    config = writeConfigDir(
      apiManagersToml(
        '[[hostMatcher]]\nname = "intranet"\ndomains = ["intranet.example"]\n',
        'sessions ∧ (intranet ∨ down)',
      ),
    );
    gateway = await startGateway(config.dir);
    api = ApiClient.of(gateway, config.dir);
    alice = await api.login('alice', 'alice-pass', ALICE);
    admin = await api.login('admin', 'admin-pass', ADMIN);
  });
  after(async () => {
    await gateway.stop();
    config.cleanup();
  });

  describe('GET /api/discover', () => {
    it('needs no login and shows the reached managers for the caller, with a residual without URL', async () => {
      const before = await api.call('/api/discover', { from: '127.0.0.20' });
      assert.equal(before.status, 200);
      const d = before.json as Discovery;
      assert.equal(d.result, 'false');
      assert.equal(d.allow, false);
      assert.deepEqual(
        d.managers.map((m) => [m.name, m.type, m.match]),
        [['sessions', 'sessionIPM', false]],
      );
      const mine = (await api.call('/api/discover', { from: ALICE })).json as Discovery;
      assert.equal(mine.result, 'intranet ∨ down');
      assert.deepEqual(
        mine.managers.map((m) => [m.name, m.match]),
        [
          ['sessions', true],
          ['intranet', null],
        ],
      );
    });

    it('with a URL: a local site is free, another one reaches the quota; https and host:port too', async () => {
      const local = (await api.call('/api/discover?url=http://www.intranet.example/a', { from: ALICE }))
        .json as Discovery;
      assert.equal(local.result, 'true');
      assert.deepEqual(
        local.managers.map((m) => m.name),
        ['sessions', 'intranet'],
      );
      for (const url of ['https://example.org/', 'example.org:443', 'http://example.org:8080/x?y']) {
        const away = await api.call(`/api/discover?url=${encodeURIComponent(url)}`, { from: ALICE });
        assert.equal(away.status, 200, away.text);
        const d = away.json as Discovery;
        assert.equal(d.result, 'true', url);
        assert.deepEqual(
          d.managers.map((m) => [m.name, m.match]),
          [
            ['sessions', true],
            ['intranet', false],
            ['down', true],
          ],
        );
      }
    });

    it('answers 400 for a URL it cannot judge', async () => {
      for (const url of ['ftp://x/', 'http://', 'no-port', 'a b:1']) {
        const answer = await api.call(`/api/discover?url=${encodeURIComponent(url)}`);
        assert.equal(answer.status, 400, url);
        assert.equal(errorCode(answer), 'bad_request');
      }
    });
  });

  describe('GET /api/status', () => {
    it("gives the caller's quota, consumption, groups, next reset, and whether they are an admin", async () => {
      gateway.services.consumption.set('down', 'alice', 300);
      const answer = await api.call('/api/status', { token: alice, from: ALICE });
      assert.equal(answer.status, 200);
      const s = answer.json as Status;
      assert.deepEqual(
        { ...s, resetAt: undefined },
        {
          user: 'alice',
          name: 'Alice Liddell',
          groups: ['students'],
          manager: 'down',
          quota: '1.0 KB',
          bytesQuota: 1024,
          consumption: '300 B',
          bytesCons: 300,
          resetAt: undefined,
          isAdmin: false,
          refusals: [],
        },
      );
      assert.ok(s.resetAt !== null && Date.parse(s.resetAt) > Date.now());
      assert.equal(new Date(s.resetAt).getUTCHours(), 0);
    });

    it('/:user is for admins; 403 not_admin for others; 404 for nobody', async () => {
      const mine = await api.call('/api/status/bob', { token: admin, from: ADMIN });
      assert.equal(mine.status, 200);
      const bob = mine.json as Status;
      assert.deepEqual([bob.user, bob.bytesQuota, bob.isAdmin], ['bob', 1024 + 1024 * 1024, false]);
      assert.equal(
        ((await api.call('/api/status', { token: admin, from: ADMIN })).json as Status).isAdmin,
        true,
      );
      const denied = await api.call('/api/status/bob', { token: alice, from: ALICE });
      assert.equal(denied.status, 403);
      assert.equal(errorCode(denied), 'not_admin');
      const nobody = await api.call('/api/status/nobody', { token: admin, from: ADMIN });
      assert.equal(nobody.status, 404);
    });
  });

  describe('admin routes', () => {
    it('GET /api/sessions lists who is logged in where; non-admins get 403', async () => {
      const answer = await api.call('/api/sessions', { token: admin, from: ADMIN });
      assert.equal(answer.status, 200);
      const rows = answer.json as { user: string; ip: string; manager: string; openedAt: string }[];
      const alices = rows.find((r) => r.user === 'alice');
      assert.deepEqual([alices?.ip, alices?.manager], [ALICE, 'sessions']);
      assert.ok(!Number.isNaN(Date.parse(alices?.openedAt ?? '')));
      const denied = await api.call('/api/sessions', { token: alice, from: ALICE });
      assert.equal(errorCode(denied), 'not_admin');
      assert.equal((await api.call('/api/sessions', { from: ALICE })).status, 401);
    });

    it('PUT /api/consumption/:user sets bytes (0 is a reset) and validates the body', async () => {
      gateway.services.consumption.set('down', 'bob', 5000);
      const reset = await api.call('/api/consumption/bob', {
        method: 'PUT',
        body: { bytes: 0 },
        token: admin,
        from: ADMIN,
      });
      assert.equal(reset.status, 200, reset.text);
      assert.equal((reset.json as Status).bytesCons, 0);
      assert.equal(gateway.services.consumption.used('down', 'bob'), 0);
      const set = await api.call('/api/consumption/bob', {
        method: 'PUT',
        body: { bytes: 19, manager: 'down' },
        token: admin,
        from: ADMIN,
      });
      assert.equal((set.json as Status).consumption, '19 B');
      for (const body of [{}, { bytes: -1 }, { bytes: 1.5 }, { bytes: '10' }]) {
        const bad = await api.call('/api/consumption/bob', {
          method: 'PUT',
          body,
          token: admin,
          from: ADMIN,
        });
        assert.equal(bad.status, 400, JSON.stringify(body));
      }
      const nobody = await api.call('/api/consumption/nobody', {
        method: 'PUT',
        body: { bytes: 0 },
        token: admin,
        from: ADMIN,
      });
      assert.equal(nobody.status, 404);
      const otherManager = await api.call('/api/consumption/bob', {
        method: 'PUT',
        body: { bytes: 0, manager: 'nosuch' },
        token: admin,
        from: ADMIN,
      });
      assert.equal(otherManager.status, 404);
      const denied = await api.call('/api/consumption/alice', {
        method: 'PUT',
        body: { bytes: 0 },
        token: alice,
        from: ALICE,
      });
      assert.equal(denied.status, 403);
      assert.equal(gateway.services.consumption.used('down', 'bob'), 19);
    });

    it('GET /api/managers[/:name] shows settings', async () => {
      const list = await api.call('/api/managers', { token: admin, from: ADMIN });
      assert.deepEqual((list.json as { name: string }[]).map((m) => m.name).sort(), [
        'down',
        'intranet',
        'sessions',
      ]);
      const down = await api.call('/api/managers/down', { token: admin, from: ADMIN });
      const body = down.json as {
        type: string;
        settings: { resetCycle: string; groupQuota: Record<string, string> };
      };
      assert.equal(body.type, 'dwnConsR');
      assert.equal(body.settings.resetCycle, '24h0m0s');
      assert.deepEqual(body.settings.groupQuota, { students: '1.0 KB', staff: '1.0 MB' });
      assert.equal((await api.call('/api/managers/nope', { token: admin, from: ADMIN })).status, 404);
      assert.equal((await api.call('/api/managers/down', { token: alice, from: ALICE })).status, 403);
    });

    it('users of every database: create in [sqlDB], 409 on a duplicate or a read-only user, patch, list, delete', async () => {
      const as = { token: admin, from: ADMIN };
      const created = await api.call('/api/users', {
        body: { name: 'carol', pass: 'carol-pass-1', groups: ['staff'], displayName: 'Carol' },
        ...as,
      });
      assert.equal(created.status, 201, created.text);
      assert.deepEqual(created.json, {
        name: 'carol',
        displayName: 'Carol',
        groups: ['staff'],
        db: 'local',
        kind: 'sqlDB',
        readOnly: false,
      });
      // alice is written in managers.toml: listed, read-only, and her name is taken.
      const taken = await api.call('/api/users', { body: { name: 'alice', pass: 'alice-pass-9' }, ...as });
      assert.equal(taken.status, 409, taken.text);
      assert.match(taken.text, /mapDB/u);
      const readOnly = await api.call('/api/users/alice', { method: 'PATCH', body: { groups: [] }, ...as });
      assert.equal(readOnly.status, 409, readOnly.text);
      assert.equal(errorCode(readOnly), 'read_only');
      assert.equal((await api.call('/api/users/alice', { method: 'DELETE', ...as })).status, 409);
      const again = await api.call('/api/users', { body: { name: 'carol', pass: 'carol-pass-1' }, ...as });
      assert.equal(again.status, 409);
      assert.equal(errorCode(again), 'conflict');
      for (const body of [
        { name: 'carol 2', pass: 'long-enough' },
        { name: 'dave', pass: 'short' },
        { name: 'dave', pass: 'long-enough', groups: 'staff' },
        { name: 'dave' },
      ]) {
        const bad = await api.call('/api/users', { body, ...as });
        assert.equal(bad.status, 400, `${JSON.stringify(body)}: ${bad.text}`);
      }
      const patched = await api.call('/api/users/carol', {
        method: 'PATCH',
        body: { groups: ['staff', 'students'], pass: 'carol-pass-2' },
        ...as,
      });
      assert.deepEqual((patched.json as { groups: string[] }).groups, ['staff', 'students']);
      assert.equal(await gateway.users.get('local')?.verify('carol', 'carol-pass-2'), true);
      assert.equal((await api.call('/api/users/carol', { method: 'PATCH', body: {}, ...as })).status, 400);
      assert.equal(
        (await api.call('/api/users/nobody', { method: 'PATCH', body: { groups: [] }, ...as })).status,
        404,
      );
      const groups = (await api.call('/api/groups', as)).json as { name: string; members: string[] }[];
      assert.deepEqual(
        groups.filter((g) => g.members.includes('carol')).map((g) => g.name),
        ['staff', 'students'],
      );
      const list = (await api.call('/api/users', as)).json as { name: string; readOnly: boolean }[];
      assert.equal(list.find((u) => u.name === 'carol')?.readOnly, false);
      assert.equal(list.find((u) => u.name === 'alice')?.readOnly, true);
      assert.equal((await api.call('/api/users/carol', { method: 'DELETE', ...as })).status, 204);
      assert.equal((await api.call('/api/users/carol', as)).status, 404);
      assert.equal((await api.call('/api/users/carol', { method: 'DELETE', ...as })).status, 404);
      assert.equal((await api.call('/api/users', { token: alice, from: ALICE })).status, 403);
    });

    it('DELETE /api/sessions/:user closes their session: their token then fails', async () => {
      const bob = await api.login('bob', 'bob-pass', BOB);
      const closed = await api.call('/api/sessions/bob', { method: 'DELETE', token: admin, from: ADMIN });
      assert.deepEqual(closed.json, { closed: 1 });
      assert.equal(errorCode(await api.call('/api/status', { token: bob, from: BOB })), 'session_closed');
      const again = await api.call('/api/sessions/bob', { method: 'DELETE', token: admin, from: ADMIN });
      assert.equal(again.status, 404);
      assert.equal(
        (await api.call('/api/sessions/admin', { method: 'DELETE', token: alice, from: ALICE })).status,
        403,
      );
    });
  });

  it('speaks HTTP/2 to clients that offer it (ALPN), with the same answers', async () => {
    const session = connect(gateway.web.url, { ca: readFileSync(join(config.dir, 'cert.pem')) });
    try {
      const stream = session.request({ ':path': '/api/discover', ':method': 'GET' });
      const [headers] = (await once(stream, 'response')) as [Record<string, unknown>];
      let body = '';
      stream.setEncoding('utf8');
      for await (const chunk of stream) body += String(chunk);
      assert.equal(headers[':status'], 200);
      assert.equal(session.alpnProtocol, 'h2');
      assert.equal((JSON.parse(body) as Discovery).result, 'false');
    } finally {
      session.close();
    }
  });

  it('unknown routes and methods are JSON errors; /proxy.pac points at the proxy', async () => {
    const missing = await api.call('/api/nothing');
    assert.equal(missing.status, 404);
    assert.equal(errorCode(missing), 'not_found');
    const method = await api.call('/api/discover', { method: 'DELETE' });
    assert.equal(method.status, 405);
    assert.equal(errorCode(method), 'method_not_allowed');
    const pac = await api.call('/proxy.pac');
    assert.equal(pac.status, 200);
    assert.match(String(pac.headers['content-type']), /application\/x-ns-proxy-autoconfig/u);
    assert.match(pac.text, new RegExp(`PROXY 127\\.0\\.0\\.1:${gateway.proxyAddress.port}`, 'u'));
    assert.match(pac.text, /function FindProxyForURL\(url, host\)/u);
  });
});

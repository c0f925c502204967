import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ApiClient, errorCode } from '../helpers/api-client.js';
import { apiManagersToml } from '../helpers/api-config.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';
import type { Gateway } from '../../src/server/gateway.js';
import type { LiveFlowView } from '../../src/proxy/live-flows.js';

const ALICE = '127.0.0.2';
const ADMIN = '127.0.0.3';

describe('live connections on the admin API', () => {
  let config: { dir: string; cleanup: () => void };
  let gateway: Gateway;
  let api: ApiClient;
  let alice: string;
  let admin: string;
  let origin: Server;
  const answers: ServerResponse[] = [];

  before(async () => {
    config = writeConfigDir(apiManagersToml('', 'sessions'));
    gateway = await startGateway(config.dir);
    api = ApiClient.of(gateway, config.dir);
    alice = await api.login('alice', 'alice-pass', ALICE);
    admin = await api.login('admin', 'admin-pass', ADMIN);
    // An origin that sends 1000 bytes and then keeps the answer open.
    origin = createServer((_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(1000, 1));
      answers.push(res);
    });
    origin.listen(0, '127.0.0.1');
    await once(origin, 'listening');
  });
  after(async () => {
    for (const res of answers) res.destroy();
    origin.close();
    await gateway.stop();
    config.cleanup();
  });

  it(
    'lists a flow in flight with its user, client, target and bytes, and an admin cuts it',
    { timeout: 10_000 },
    async () => {
      const port = (origin.address() as AddressInfo).port;
      const req = request({
        host: '127.0.0.1',
        port: gateway.proxyAddress.port,
        localAddress: ALICE,
        path: `http://127.0.0.1:${port}/stream`,
        headers: { host: `127.0.0.1:${port}` },
      });
      req.end();
      const [res] = (await once(req, 'response')) as [IncomingMessage];
      assert.equal(res.statusCode, 200);
      // The cut shows as 'aborted' on the client's side.
      res.on('error', () => undefined);
      let received = 0;
      res.on('data', (chunk: Buffer) => (received += chunk.length));
      const closed = new Promise((resolve) => res.once('close', resolve));
      while (received < 1000) await new Promise((r) => setTimeout(r, 10));

      const listed = await api.call('/api/admin/connections', { token: admin, from: ADMIN });
      assert.equal(listed.status, 200, listed.text);
      const flows = listed.json as LiveFlowView[];
      const mine = flows.find((f) => f.client === ALICE);
      assert.ok(mine, JSON.stringify(flows));
      assert.deepEqual([mine.user, mine.host, mine.port, mine.down], ['alice', '127.0.0.1', port, 1000]);

      const denied = await api.call(`/api/admin/connections/${mine.id}`, {
        method: 'DELETE',
        token: alice,
        from: ALICE,
      });
      assert.equal(errorCode(denied), 'not_admin');
      assert.equal((await api.call('/api/admin/connections', { token: alice, from: ALICE })).status, 403);
      for (const bad of ['abc', '0', '-1', '1e3']) {
        const answer = await api.call(`/api/admin/connections/${bad}`, {
          method: 'DELETE',
          token: admin,
          from: ADMIN,
        });
        assert.equal(answer.status, 400, bad);
      }

      const cut = await api.call(`/api/admin/connections/${mine.id}`, {
        method: 'DELETE',
        token: admin,
        from: ADMIN,
      });
      assert.equal(cut.status, 200, cut.text);
      await closed;
      assert.equal(res.complete, false, 'the answer was cut, not finished');
      const after = (await api.call('/api/admin/connections', { token: admin, from: ADMIN }))
        .json as LiveFlowView[];
      assert.equal(
        after.find((f) => f.id === mine.id),
        undefined,
      );
      const again = await api.call(`/api/admin/connections/${mine.id}`, {
        method: 'DELETE',
        token: admin,
        from: ADMIN,
      });
      assert.equal(again.status, 404);
    },
  );
});

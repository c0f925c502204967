import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';
import { getThroughProxy } from '../helpers/default-config.js';
import { startOrigin } from '../helpers/origin.js';
import type { QuotaView } from '../../src/managers/quota-rows.js';

const managers = (rule: string) => `
rule = "${rule}"
[mapDB]
name = "users"
[mapDB.userPass]
alice = "alice-pass"
carol = "carol-pass"
[mapDB.userGroup]
alice = ["students"]
carol = ["students"]
[[sessionIPM]]
name = "sessions"
auth = "users"
[[proxyAuth]]
name = "auth"
auth = "users"
[[dwnConsR]]
name = "down"
userDBN = "users"
resetCycle = "24h"
[dwnConsR.groupQuota]
students = "10 MB"
`;

/** Alice holds a session at this address; carol sends her credentials from it. */
const SHARED = '127.0.0.5';

for (const rule of ['(sessions ∨ auth) ∧ down', '(auth ∨ sessions) ∧ down']) {
  describe(`a request's identity is the credentials it carries: ${rule}`, () => {
    it("is charged to the credentials' user, 407 when they are wrong, the session's user without any", async () => {
      const cfg = writeConfigDir(managers(rule));
      const origin = await startOrigin();
      const gateway = await startGateway(cfg.dir);
      try {
        const port = gateway.proxyAddress.port;
        const down = gateway.managers.get('down') as QuotaView;
        gateway.services.sessions.open('sessions', 'users', SHARED, 'alice');

        const asCarol = await getThroughProxy(
          port,
          `${origin.base}/bytes/5000`,
          'carol',
          'carol-pass',
          SHARED,
        );
        assert.equal(asCarol.status, 200);
        assert.ok(down.consumption('carol') >= 5000, `carol: ${down.consumption('carol')}`);
        assert.equal(down.consumption('alice'), 0);

        const wrong = await getThroughProxy(port, `${origin.base}/bytes/5000`, 'alice', 'wrong', SHARED);
        assert.equal(wrong.status, 407);
        const unknown = await getThroughProxy(port, `${origin.base}/bytes/5000`, 'mallory', 'x', SHARED);
        assert.equal(unknown.status, 407);
        assert.equal(down.consumption('alice'), 0);

        const bySession = await getThroughProxy(port, `${origin.base}/bytes/7000`, undefined, '', SHARED);
        assert.equal(bySession.status, 200);
        assert.ok(down.consumption('alice') >= 7000, `alice: ${down.consumption('alice')}`);
      } finally {
        await gateway.stop(0);
        await origin.close();
        cfg.cleanup();
      }
    });
  });
}

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';
import { ManualClock } from '../../src/util/clock.js';

const MIN = 60_000;

const managers = (opts: { idleTimeout: string; resetCycle: string }) => `
rule = "sessions ∧ down ∧ ¬blocked"
[mapDB]
name = "users"
[mapDB.userPass]
alice = "alice-pass"
[mapDB.userGroup]
alice = ["students"]
[[sessionIPM]]
name = "sessions"
auth = "users"
idleTimeout = "${opts.idleTimeout}"
[[dwnConsR]]
name = "down"
userDBN = "users"
resetCycle = "${opts.resetCycle}"
[dwnConsR.groupQuota]
students = "1 GB"
[[hostMatcher]]
name = "blocked"
domainsFile = "blocked.txt"
`;

describe('a refused reload', () => {
  it('leaves the running gateway as it was: sessions keep their timeouts, quotas their cycle and counts', async () => {
    const clock = new ManualClock(new Date(2026, 10, 20, 10));
    const cfg = writeConfigDir(managers({ idleTimeout: '30m', resetCycle: '24h' }));
    writeFileSync(join(cfg.dir, 'blocked.txt'), 'ads.example\n');
    const gateway = await startGateway(cfg.dir, clock);
    try {
      const { sessions, consumption } = gateway.services;
      sessions.open('sessions', 'users', '127.0.0.2', 'alice');
      consumption.add('down', 'alice', 5000);
      const cycle = consumption.cycle('down');
      const rulesBefore = gateway.policy;

      // Shorter timeouts and another cycle, but a domainsFile that is gone: refused when built.
      writeFileSync(join(cfg.dir, 'managers.toml'), managers({ idleTimeout: '1m', resetCycle: '1h' }));
      rmSync(join(cfg.dir, 'blocked.txt'));
      const refused = await gateway.reload();
      assert.equal(refused.ok, false);
      assert.match(refused.messages.join('\n'), /blocked\.txt: cannot be read \(no such file\)/u);

      assert.equal(gateway.policy, rulesBefore, 'the running rules stay');
      clock.advance(2 * MIN);
      assert.equal(
        sessions.lookup('sessions', '127.0.0.2')?.user,
        'alice',
        'still the 30-minute idle timeout',
      );
      assert.deepEqual(consumption.cycle('down'), cycle, 'still the 24-hour cycle');
      assert.equal(consumption.used('down', 'alice'), 5000);
      clock.advance(31 * MIN);
      assert.equal(sessions.lookup('sessions', '127.0.0.2'), undefined, 'the 30 minutes do end it');
    } finally {
      await gateway.stop();
      cfg.cleanup();
    }
  });

  it('a good reload applies the new timeouts, and forgets a sessionIPM it no longer has', async () => {
    const clock = new ManualClock(new Date(2026, 10, 20, 10));
    const cfg = writeConfigDir(managers({ idleTimeout: '30m', resetCycle: '24h' }));
    writeFileSync(join(cfg.dir, 'blocked.txt'), 'ads.example\n');
    const gateway = await startGateway(cfg.dir, clock);
    try {
      const { sessions } = gateway.services;
      sessions.open('sessions', 'users', '127.0.0.2', 'alice');
      writeFileSync(join(cfg.dir, 'managers.toml'), managers({ idleTimeout: '1m', resetCycle: '24h' }));
      assert.equal((await gateway.reload()).ok, true);
      clock.advance(2 * MIN);
      assert.equal(sessions.lookup('sessions', '127.0.0.2'), undefined, 'the new 1-minute idle timeout');

      sessions.open('sessions', 'users', '127.0.0.3', 'alice');
      writeFileSync(
        join(cfg.dir, 'managers.toml'),
        managers({ idleTimeout: '1m', resetCycle: '24h' })
          .replace(/\[\[sessionIPM\]\][^[]*/u, '')
          .replace('sessions ∧ ', ''),
      );
      assert.equal((await gateway.reload()).ok, true);
      assert.equal(
        sessions.userAt('127.0.0.3', 'users'),
        undefined,
        'a removed sessionIPM says nobody is anyone',
      );
    } finally {
      await gateway.stop();
      cfg.cleanup();
    }
  });
});

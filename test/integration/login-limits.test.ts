import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/auth/passwords.js';
import type { Gateway } from '../../src/server/gateway.js';
import { ApiClient, errorCode } from '../helpers/api-client.js';
import { runPmproxy, startGateway, testServerToml, writeConfigDir } from '../helpers/gateway.js';

/** argon2 hashes, so a check takes real time and parallel attempts really overlap. */
async function managersToml(): Promise<string> {
  return `rule = "sessions"
admins = ["admin"]
[mapDB]
name = "users"
[mapDB.userPass]
alice = "${await hashPassword('alice-pass')}"
bob = "${await hashPassword('bob-pass')}"
admin = "${await hashPassword('admin-pass')}"
[[sessionIPM]]
name = "sessions"
auth = "users"
`;
}

describe('failed logins: per user and address, per address, counted before the check', () => {
  let config: { dir: string; cleanup: () => void };
  let gateway: Gateway;
  let api: ApiClient;
  const login = (user: string, pass: string, from: string) =>
    api.call('/api/login', { body: { user, pass }, from });

  before(async () => {
    // 150 parallel logins from one address are 150 connections: more than the listener's
    // default cap per address, which is not what these tests are about.
    const server = testServerToml().replace(
      '[api.server]\naddr = "127.0.0.1:0"',
      '[api.server]\naddr = "127.0.0.1:0"\nmaxConnectionsPerAddress = 200',
    );
    config = writeConfigDir(await managersToml(), server);
    gateway = await startGateway(config.dir);
    api = ApiClient.of(gateway, config.dir);
  });
  after(async () => {
    await gateway.stop();
    config.cleanup();
  });

  it("a right login as bob does not clear alice's failures at the same address", async () => {
    const from = '127.0.0.2';
    const statuses: number[] = [];
    for (let round = 0; round < 5 && !statuses.includes(429); round++) {
      for (let i = 0; i < 9; i++) statuses.push((await login('alice', `guess-${round}-${i}`, from)).status);
      statuses.push((await login('bob', 'bob-pass', from)).status);
    }
    assert.ok(statuses.includes(429), `45 guesses for alice, never a 429: ${statuses.join(' ')}`);
    assert.equal(statuses.filter((s) => s === 401).length, 10, 'exactly the limit of wrong guesses');
    // Bob, behind the same address, still logs in: one user's guessing locks out that user only.
    assert.equal((await login('bob', 'bob-pass', from)).status, 200);
    const locked = await login('alice', 'alice-pass', from);
    assert.equal(locked.status, 429);
    assert.equal(errorCode(locked), 'too_many_attempts');
    assert.ok(Number(locked.headers['retry-after']) > 0);
    // Another address is not held back by this one's failures.
    assert.equal((await login('alice', 'alice-pass', '127.0.0.3')).status, 200);
  });

  it('150 parallel wrong logins for one user from one address get at most the limit of 401s', async () => {
    const answers = await Promise.all(
      Array.from({ length: 150 }, (_, i) => login('bob', `parallel-${i}`, '127.0.0.4')),
    );
    const count = (status: number) => answers.filter((a) => a.status === status).length;
    assert.ok(count(401) <= 10, `${count(401)} × 401`);
    assert.equal(count(401) + count(429), 150);
    assert.equal((await login('bob', 'bob-pass', '127.0.0.4')).status, 429);
    assert.equal((await login('bob', 'bob-pass', '127.0.0.5')).status, 200);
  });

  it('150 parallel wrong logins for many users from one address get at most the per-address limit', async () => {
    const from = '127.0.0.6';
    const answers = await Promise.all(
      Array.from({ length: 150 }, (_, i) => login(`user${i}`, 'guess', from)),
    );
    const wrong = answers.filter((a) => a.status === 401).length;
    assert.ok(wrong <= 100, `${wrong} × 401`);
    assert.equal(wrong + answers.filter((a) => a.status === 429).length, 150);
    // Sequentially, the address reaches its own limit; then nobody logs in from it.
    let tries = 0;
    while ((await login(`more${tries}`, 'guess', from)).status === 401) tries += 1;
    assert.ok(wrong + tries <= 100, `${wrong} + ${tries} guesses from one address`);
    assert.equal((await login('alice', 'alice-pass', from)).status, 429);
    assert.equal((await login('alice', 'alice-pass', '127.0.0.7')).status, 200);
  });

  it('the admin CLI, as another process, lifts a lockout of the running server', async () => {
    const from = '127.0.0.8';
    for (let i = 0; i < 10; i++) assert.equal((await login('alice', `g${i}`, from)).status, 401);
    assert.equal((await login('alice', 'alice-pass', from)).status, 429);
    const listed = await runPmproxy(['login', 'ls', '--config', config.dir]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /127\.0\.0\.8\talice\t10 failures\tuntil /u);
    const unlocked = await runPmproxy(['login', 'unlock', from, '--config', config.dir]);
    assert.equal(unlocked.code, 0, unlocked.stderr);
    assert.match(unlocked.stdout, /cleared the failed logins of 127\.0\.0\.8/u);
    assert.equal((await login('alice', 'alice-pass', from)).status, 200);
    const again = await runPmproxy(['login', 'unlock', 'nobody', '--config', config.dir]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no failed logins recorded for nobody/u);
  });

  it('an admin lists lockouts and lifts one through the API', async () => {
    const from = '127.0.0.9';
    for (let i = 0; i < 10; i++) assert.equal((await login('bob', `g${i}`, from)).status, 401);
    const token = await api.login('admin', 'admin-pass', '127.0.0.10');
    const listed = await api.call('/api/logins', { token, from: '127.0.0.10' });
    assert.equal(listed.status, 200, listed.text);
    const rows = listed.json as { ip: string; user: string | null; failures: number }[];
    assert.ok(
      rows.some((r) => r.ip === from && r.user === 'bob' && r.failures === 10),
      listed.text,
    );
    const bobToken = await api.login('bob', 'bob-pass', '127.0.0.11');
    const notAdmin = await api.call(`/api/logins/bob`, {
      method: 'DELETE',
      token: bobToken,
      from: '127.0.0.11',
    });
    assert.equal(notAdmin.status, 403);
    const lifted = await api.call('/api/logins/bob', { method: 'DELETE', token, from: '127.0.0.10' });
    assert.equal(lifted.status, 200, lifted.text);
    assert.equal((await login('bob', 'bob-pass', from)).status, 200);
    const none = await api.call('/api/logins/bob', { method: 'DELETE', token, from: '127.0.0.10' });
    assert.equal(none.status, 404);
  });
});

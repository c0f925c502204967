import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { statePath } from '../../src/cli/pmcl/state.js';
import { makeCertificate, startFakeApi, type Route } from '../helpers/pmcl-fake-api.js';
import { pmclHome, pmclInProcess } from '../helpers/pmcl.js';

const DISCOVERY = {
  result: 'true',
  allow: true,
  managers: [{ name: 'campus', type: 'rangeIPM', match: true }],
};
const route: Route = (req) =>
  req.path.startsWith('/api/discover')
    ? { status: 200, body: DISCOVERY }
    : { status: 401, body: { error: { code: 'bad_credentials', message: 'wrong user or password' } } };

const readState = (env: NodeJS.ProcessEnv): unknown => JSON.parse(readFileSync(statePath(env), 'utf8'));

describe('pmcl certificate trust', () => {
  let first: Awaited<ReturnType<typeof makeCertificate>>;
  let second: Awaited<ReturnType<typeof makeCertificate>>;
  before(async () => {
    [first, second] = await Promise.all([makeCertificate(), makeCertificate()]);
    assert.notEqual(first.fingerprint, second.fingerprint);
  });

  it('refuses an unknown self-signed certificate without a terminal, naming its fingerprint', async () => {
    const api = await startFakeApi(first, route);
    const home = pmclHome();
    try {
      const r = await pmclInProcess(['d', '--server', api.url], home.env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /not vouched for by any CA \(self-signed certificate\)/u);
      assert.ok(r.stderr.includes(first.fingerprint), r.stderr);
      assert.match(r.stderr, /--pin <fingerprint>/u);
      assert.equal(api.seen.length, 0);
      assert.equal(r.asked.length, 0);
    } finally {
      home.cleanup();
      await api.close();
    }
  });

  it('trusts a --pin in either form, remembers it, and refuses a changed certificate', async () => {
    const api = await startFakeApi(first, route);
    const home = pmclHome();
    try {
      const plain = first.fingerprint.replaceAll(':', '').toLowerCase();
      const r = await pmclInProcess(['d', '--server', api.url, '--pin', plain], home.env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Match result: true\n\[✅\] campus:rangeIPM\n$/u);
      assert.deepEqual(readState(home.env), {
        trust: { [`127.0.0.1:${api.port}`]: { pin: first.fingerprint } },
      });
      const again = await pmclInProcess(['d', '--server', api.url], home.env);
      assert.equal(again.code, 0, again.stderr);
      await api.close();

      // The same address now presents another certificate: refused before a byte is written.
      const impostor = await startFakeApi(second, route, api.port);
      try {
        const seen = impostor.connections();
        for (const argv of [
          ['d', '--server', api.url],
          ['l', api.url, 'alice', 'alice-password'],
        ]) {
          const r2 = await pmclInProcess(argv, home.env, { interactive: true, answer: 'y' });
          assert.equal(r2.code, 1);
          assert.match(r2.stderr, /has CHANGED; nothing was sent/u);
          assert.ok(r2.stderr.includes(`expected SHA-256 ${first.fingerprint}`), r2.stderr);
          assert.ok(r2.stderr.includes(`presented SHA-256 ${second.fingerprint}`), r2.stderr);
          assert.equal(r2.asked.length, 0, 'a pinned certificate is never replaced by a question');
        }
        assert.ok(impostor.connections() > seen, 'pmcl did reach the server');
        assert.equal(impostor.seen.length, 0, 'and sent it nothing');
        // An explicit --pin of the new certificate is the way to accept a legitimate change.
        const re = await pmclInProcess(['d', '--server', api.url, '--pin', second.fingerprint], home.env);
        assert.equal(re.code, 0, re.stderr);
        assert.deepEqual(readState(home.env), {
          trust: { [`127.0.0.1:${api.port}`]: { pin: second.fingerprint } },
        });
      } finally {
        await impostor.close();
      }
    } finally {
      home.cleanup();
      await api.close();
    }
  });

  it('refuses a --pin that does not match', async () => {
    const api = await startFakeApi(first, route);
    const home = pmclHome();
    try {
      const r = await pmclInProcess(['d', '--server', api.url, '--pin', second.fingerprint], home.env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /CHANGED/u);
      assert.equal(api.seen.length, 0);
    } finally {
      home.cleanup();
      await api.close();
    }
  });

  it('asks a person on first use, and pins only on yes', async () => {
    const api = await startFakeApi(first, route);
    const home = pmclHome();
    try {
      const no = await pmclInProcess(['d', '--server', api.url], home.env, {
        interactive: true,
        answer: 'n',
      });
      assert.equal(no.code, 1);
      assert.deepEqual(no.asked, ['Trust this certificate? [y/N]']);
      assert.ok(no.stderr.includes(`SHA-256: ${first.fingerprint}`), no.stderr);
      assert.match(no.stderr, /subject: CN=127\.0\.0\.1/u);
      assert.equal(api.seen.length, 0);

      const yes = await pmclInProcess(['d', '--server', api.url], home.env, {
        interactive: true,
        answer: 'y',
      });
      assert.equal(yes.code, 0, yes.stderr);
      assert.equal(api.seen.length, 1);
      assert.deepEqual(readState(home.env), {
        trust: { [`127.0.0.1:${api.port}`]: { pin: first.fingerprint } },
      });
      // Asked once: from now on the pin decides.
      const later = await pmclInProcess(['d', '--server', api.url], home.env, { interactive: true });
      assert.equal(later.code, 0, later.stderr);
      assert.deepEqual(later.asked, []);
    } finally {
      home.cleanup();
      await api.close();
    }
  });

  it('accepts a certificate the --ca vouches for, and remembers the CA', async () => {
    const api = await startFakeApi(first, route);
    const home = pmclHome();
    const dir = mkdtempSync(join(tmpdir(), 'pmcl-ca-'));
    try {
      const good = join(dir, 'good.pem');
      const wrong = join(dir, 'wrong.pem');
      writeFileSync(good, first.cert);
      writeFileSync(wrong, second.cert);
      const bad = await pmclInProcess(['d', '--server', api.url, '--ca', wrong], home.env, {
        interactive: true,
      });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /not valid under --ca/u);
      assert.deepEqual(bad.asked, []);
      assert.equal(api.seen.length, 0);

      const missing = await pmclInProcess(
        ['d', '--server', api.url, '--ca', join(dir, 'none.pem')],
        home.env,
      );
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /--ca .*none\.pem/u);

      const ok = await pmclInProcess(['d', '--server', api.url, '--ca', good], home.env);
      assert.equal(ok.code, 0, ok.stderr);
      const later = await pmclInProcess(['d', '--server', api.url], home.env);
      assert.equal(later.code, 0, later.stderr);
      assert.deepEqual(readState(home.env), { trust: { [`127.0.0.1:${api.port}`]: { ca: first.cert } } });
    } finally {
      home.cleanup();
      await api.close();
    }
  });
});

import { localTime } from '../../src/util/local-time.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin, startRawListener, type Origin, type RawListener } from '../helpers/origin.js';
import {
  openTunnel,
  readToClose,
  startTestProxy,
  viaProxy,
  type TestProxy,
} from '../helpers/proxy-harness.js';
import { allow, deny, refusal, TestPolicy } from '../helpers/test-policy.js';

describe('proxy: denials', () => {
  let origin: Origin;
  let tcp: RawListener;
  let tp: TestProxy;
  const policy = new TestPolicy();

  before(async () => {
    origin = await startOrigin();
    tcp = await startRawListener('echo');
    tp = await startTestProxy(policy, { connectPorts: [tcp.port] }, { apiUrl: 'https://gw.example:4443' });
  });
  after(async () => {
    await tp.close();
    await origin.close();
    await tcp.close();
  });

  const campusOnly = () =>
    deny({
      trace: [
        refusal('campus', 'rangeIPM', '127.0.0.1 is not in 10.0.0.0/8'),
        { name: 'sessions', kind: 'sessionIPM', match: true },
      ],
    });

  it('answers 403 with an HTML page naming the managers that said no, for browsers', async () => {
    policy.set(campusOnly);
    const before = origin.requests.length;
    const r = await viaProxy(tp.port, `${origin.base}/page?a=b`, {
      headers: { Accept: 'text/html,*/*;q=0.8' },
    });
    assert.equal(r.status, 403);
    assert.match(String(r.headers['content-type']), /^text\/html/u);
    const page = r.body.toString();
    assert.match(page, /campus \(rangeIPM\): 127\.0\.0\.1 is not in 10\.0\.0\.0\/8/u);
    assert.doesNotMatch(page, /sessions/u, 'only the managers that said no are named');
    const next = encodeURIComponent(`${origin.base}/page?a=b`);
    assert.ok(
      page.includes(`href="https://gw.example:4443/login?next=${next.replace(/&/gu, '&#38;')}"`),
      page,
    );
    assert.equal(origin.requests.length, before, 'nothing reached the origin');
  });

  it('answers 403 in plain text to other clients', async () => {
    policy.set(campusOnly);
    const r = await viaProxy(tp.port, `${origin.base}/`, { headers: { Accept: '*/*' } });
    assert.equal(r.status, 403);
    assert.match(String(r.headers['content-type']), /^text\/plain/u);
    assert.match(
      r.body.toString(),
      /^Access denied by\n- campus \(rangeIPM\): 127\.0\.0\.1 is not in 10\.0\.0\.0\/8\n/u,
    );
    assert.match(r.body.toString(), /Log in at https:\/\/gw\.example:4443\/login\?next=/u);
  });

  it('escapes what it puts in the HTML page', async () => {
    policy.set(() => deny({ trace: [refusal('<b>x</b>', 'hostMatcher', '"quoted" & <tagged>')] }));
    const r = await viaProxy(tp.port, `${origin.base}/`, { headers: { Accept: 'text/html' } });
    const page = r.body.toString();
    assert.ok(!page.includes('<b>x</b>'));
    assert.ok(page.includes('&#60;b&#62;x&#60;/b&#62;'));
  });

  it('answers 407 with Proxy-Authenticate when the policy asks for credentials', async () => {
    policy.set(() =>
      deny({ challenge: 'campus "gateway"', trace: [refusal('auth', 'proxyAuth', 'no credentials')] }),
    );
    const r = await viaProxy(tp.port, `${origin.base}/`);
    assert.equal(r.status, 407);
    assert.equal(r.headers['proxy-authenticate'], 'Basic realm="campus \\"gateway\\"", charset="UTF-8"');
    assert.doesNotMatch(r.body.toString(), /Log in at/u, 'no session manager: logging in would not help');
  });

  it('407 also offers the login page when a session would have let the request through', async () => {
    policy.set(() =>
      deny({
        challenge: 'gw',
        trace: [
          refusal('sessions', 'sessionIPM', 'no session'),
          refusal('auth', 'proxyAuth', 'no credentials'),
        ],
      }),
    );
    const r = await viaProxy(tp.port, `${origin.base}/x`, { headers: { Accept: 'text/plain' } });
    assert.equal(r.status, 407);
    const next = encodeURIComponent(`${origin.base}/x`);
    assert.match(
      r.body.toString(),
      new RegExp(`Log in at https://gw\\.example:4443/login\\?next=${next}`, 'u'),
    );
  });

  it('says the quota is used up, with the consumption, when a quota manager refused', async () => {
    policy.set(() =>
      deny({
        trace: [
          { name: 'sessions', kind: 'sessionIPM', match: true },
          {
            ...refusal('down', 'dwnConsR', 'quota exhausted: 1.0 GB of 1.0 GB used', true),
            description: 'Daily download quota',
            resetsAt: new Date('2026-12-03T00:00:00Z'),
          },
        ],
        user: 'alice',
      }),
    );
    const r = await viaProxy(tp.port, `${origin.base}/`, { headers: { Accept: 'text/plain' } });
    assert.equal(r.status, 403);
    const text = r.body.toString();
    // In people's words: what is used up, how much, when it is whole again; no login for someone known.
    assert.match(
      text,
      new RegExp(
        `quota is used up\\n- Daily download quota: 1\\.0 GB of 1\\.0 GB used; it is whole again at ${localTime('2026-12-03T00:00:00Z').replace(/[()+]/gu, '\\$&')}\\n`,
        'u',
      ),
    );
    assert.doesNotMatch(text, /Log in/u);
    assert.match(text, /See your status at https:\/\/gw\.example:4443\/status\n/u);
  });

  it('says what the rule evaluated to when no manager said no', async () => {
    policy.set(() => deny());
    const r = await viaProxy(tp.port, `${origin.base}/`);
    assert.match(r.body.toString(), /rule evaluated to false/u);
  });

  it('refuses CONNECT with the same statuses and closes, without dialling', async () => {
    const dialled = tcp.connections();
    policy.set(campusOnly);
    const denied = await openTunnel(tp.port, `127.0.0.1:${tcp.port}`);
    assert.equal(denied.status, 403);
    assert.match((await readToClose(denied.socket, denied.rest)).toString(), /campus \(rangeIPM\)/u);

    policy.set(() => deny({ challenge: 'gw' }));
    const challenged = await openTunnel(tp.port, `127.0.0.1:${tcp.port}`);
    assert.equal(challenged.status, 407);
    assert.match(challenged.head, /\r\nProxy-Authenticate: Basic realm="gw"/u);
    await readToClose(challenged.socket, challenged.rest);
    assert.equal(tcp.connections(), dialled, 'the target was never dialled');
  });

  it('lets the same CONNECT through once the policy allows it', async () => {
    policy.set(() => allow());
    const t = await openTunnel(tp.port, `127.0.0.1:${tcp.port}`);
    assert.equal(t.status, 200);
    t.socket.destroy();
  });
});

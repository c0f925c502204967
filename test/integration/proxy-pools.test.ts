import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startOrigin, type Origin } from '../helpers/origin.js';
import { rawExchange, startTestProxy, viaProxy, type TestProxy } from '../helpers/proxy-harness.js';
import { allow, basicAuth, basicUser, deny, refusal, TestPolicy } from '../helpers/test-policy.js';

describe('proxy: upstream pools and per-request decisions', () => {
  let origin: Origin;
  let tp: TestProxy;
  const policy = new TestPolicy();

  before(async () => {
    origin = await startOrigin();
    tp = await startTestProxy(policy);
  });
  after(async () => {
    await tp.close();
    await origin.close();
  });

  const remotePort = async (opts: Parameters<typeof viaProxy>[2]) => {
    const r = await viaProxy(tp.port, `${origin.base}/headers`, opts);
    assert.equal(r.status, 200);
    return (JSON.parse(r.body.toString()) as { remotePort: number }).remotePort;
  };

  it('never lets two users share an upstream connection, while one user reuses theirs', async () => {
    policy.set((ctx) => {
      const user = basicUser(ctx);
      return allow(user === undefined ? {} : { user });
    });
    const client = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const alice = { headers: { 'Proxy-Authorization': basicAuth('alice') }, agent: client };
    const bob = { headers: { 'Proxy-Authorization': basicAuth('bob') }, agent: client };
    const a1 = await remotePort(alice);
    const b1 = await remotePort(bob);
    const a2 = await remotePort(alice);
    const b2 = await remotePort(bob);
    client.destroy();
    assert.equal(a1, a2, 'alice reuses her pooled upstream connection');
    assert.equal(b1, b2, 'bob reuses his');
    assert.notEqual(a1, b1, 'but never each other’s');
  });

  it('keys anonymous clients by address', async () => {
    policy.set(() => allow());
    const one = await remotePort({ localAddress: '127.0.0.1' });
    const two = await remotePort({ localAddress: '127.0.0.2' });
    const oneAgain = await remotePort({ localAddress: '127.0.0.1' });
    assert.equal(one, oneAgain);
    assert.notEqual(one, two);
  });

  it('decides each request on a keep-alive connection by itself', async () => {
    policy.set((ctx) =>
      ctx.target?.url?.pathname === '/secret'
        ? deny({ trace: [refusal('paths', 'hostMatcher', 'not for you')] })
        : allow(),
    );
    const client = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const ports = new Set<number>();
    client.on('free', (socket: { localPort?: number }) => ports.add(socket.localPort ?? 0));
    const first = await viaProxy(tp.port, `${origin.base}/`, { agent: client });
    const second = await viaProxy(tp.port, `${origin.base}/secret`, { agent: client });
    const third = await viaProxy(tp.port, `${origin.base}/`, { agent: client });
    client.destroy();
    assert.equal(first.status, 200);
    assert.equal(second.status, 403);
    assert.equal(third.status, 200);
    assert.equal(ports.size, 1, 'all three went over one client connection');
  });

  it('retires the least recently used agent beyond maxAgents, without breaking its users', async () => {
    const small = await startTestProxy(
      new TestPolicy((ctx) => allow({ user: basicUser(ctx) ?? 'anonymous' })),
      {},
      { maxAgents: 1 },
    );
    try {
      const port = async (user: string) => {
        const r = await viaProxy(small.port, `${origin.base}/headers`, {
          headers: { 'Proxy-Authorization': basicAuth(user) },
        });
        return (JSON.parse(r.body.toString()) as { remotePort: number }).remotePort;
      };
      const alice = await port('alice');
      assert.equal(await port('alice'), alice, 'kept while it is the only agent');
      await port('bob');
      assert.equal(small.proxy.stats().agents, 1);
      assert.notEqual(await port('alice'), alice, 'alice’s pooled connection went with her evicted agent');
    } finally {
      await small.close();
    }
  });

  it('answers 100 Continue only once the policy allowed the upload', async () => {
    policy.set((ctx) => (ctx.target?.url?.pathname === '/echo' ? allow() : deny()));
    const head = (path: string) =>
      `POST ${origin.base}${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n`;
    const denied = await rawExchange(tp.port, head('/nope'), 1_000);
    assert.match(denied, /^HTTP\/1\.1 403 /u);
    assert.doesNotMatch(denied, /100 Continue/u);

    const allowed = await new Promise<string>((resolve) => {
      const socket = net.connect(tp.port, '127.0.0.1', () => socket.write(head('/echo')));
      let got = '';
      socket.on('data', (d: Buffer) => {
        got += d.toString();
        if (got.startsWith('HTTP/1.1 100 Continue\r\n\r\n') && !got.includes('hello')) socket.write('hello');
        if (got.endsWith('hello')) socket.end();
      });
      socket.on('close', () => resolve(got));
    });
    assert.match(allowed, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nhello$/u);
    assert.equal(
      origin.requests.at(-1)?.headers.expect,
      undefined,
      'the origin is not asked to continue again',
    );
  });

  it('uses the policy the getter returns at the time of each request', async () => {
    let current = new TestPolicy(() => allow());
    const swapping = await startTestProxy({ decide: (rule, ctx) => current.decide(rule, ctx) });
    try {
      assert.equal((await viaProxy(swapping.port, `${origin.base}/`)).status, 200);
      current = new TestPolicy(() => deny());
      assert.equal((await viaProxy(swapping.port, `${origin.base}/`)).status, 403);
    } finally {
      await swapping.close();
    }
  });
});

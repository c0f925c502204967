import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot, spawnServer, writeConfigDir, type RunningProcess } from '../helpers/gateway.js';
import { startOrigin } from '../helpers/origin.js';
import { until, viaProxy } from '../helpers/proxy-harness.js';

// pmproxy under systemd: its units pass systemd-analyze verify; readiness, reload and stop are told
// to a stand-in for systemd's notification socket (systemd-notify's barrier answered); and socket
// activation through systemd-socket-activate, a connection waiting in the backlog until pmproxy runs.

const TOOLS = ['systemd-analyze', 'systemd-notify', 'systemd-socket-activate', 'python3'];
const missing = TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
const why = missing.length === 0 ? undefined : `missing ${missing.join(', ')} (Debian package systemd)`;
if (why !== undefined && process.env['CI'] === 'true') it('has the systemd tools', () => assert.fail(why));

const MANAGERS = 'rule = "campus"\n[[rangeIPM]]\nname = "campus"\ncidr = "127.0.0.0/8"\n';

/** The fake NOTIFY_SOCKET: every message systemd would have received, in order. */
async function fakeNotifySocket(): Promise<{
  path: string;
  messages: string[];
  close: () => void;
  dir: string;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'pmproxy-notify-'));
  const path = join(dir, 'notify');
  const child = spawn('python3', [join(repoRoot, 'test/fixtures/systemd/notify-socket.py'), path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const messages: string[] = [];
  const lines = createInterface({ input: child.stdout });
  const listening = new Promise<void>((resolve) =>
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as { listening?: string; message?: string };
      if (parsed.listening !== undefined) resolve();
      // systemd-notify's barrier comes as a datagram of its own after each message.
      if (parsed.message !== undefined && parsed.message !== 'BARRIER=1') messages.push(parsed.message);
    }),
  );
  await listening;
  return {
    path,
    messages,
    dir,
    close: () => {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  const server = net.createServer();
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    }),
  );
}

/** The backlog of the socket listening on `port` (ss's Send-Q for a listener); undefined if none. */
function backlogOf(port: number): number | undefined {
  const ss = spawnSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' });
  const fields = ss.stdout.trim().split(/\s+/u);
  return fields.length >= 3 ? Number(fields[2]) : undefined;
}

describe('under systemd', { skip: why ?? false }, () => {
  it('has units that systemd-analyze verify accepts', () => {
    const units = readdirSync(join(repoRoot, 'systemd')).filter((f) => /\.(service|socket)$/u.test(f));
    assert.deepEqual(units.sort(), ['pmproxy.service', 'pmproxy.socket']);
    const verify = spawnSync(
      'systemd-analyze',
      ['verify', ...units.map((u) => join(repoRoot, 'systemd', u))],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(`${verify.stdout}${verify.stderr}`, '');
    assert.equal(verify.status, 0);
  });

  it('says READY=1 once the listeners accept, RELOADING=1/READY=1 around reloads, STOPPING=1', async () => {
    const notify = await fakeNotifySocket();
    const cfg = writeConfigDir(MANAGERS);
    let server: RunningProcess | undefined;
    try {
      server = await spawnServer(cfg.dir, { env: { ...process.env, NOTIFY_SOCKET: notify.path } });
      await until(() => notify.messages.some((m) => m.includes('READY=1')), 'READY=1', 20_000);
      // On receipt, the listeners take connections.
      const origin = await startOrigin();
      assert.equal((await viaProxy(server.proxyPort, `${origin.base}/bytes/5`)).status, 200);
      await origin.close();
      const ready = notify.messages.find((m) => m.includes('READY=1')) ?? '';
      assert.match(ready, new RegExp(`MAINPID=${server.child.pid}`, 'u'));
      assert.match(
        ready,
        /STATUS=\d+ proxy connections \(0 tunnels\), \d+ API; last reload: none since start/u,
      );

      const before = notify.messages.length;
      server.child.kill('SIGHUP');
      await until(
        () => notify.messages.slice(before).some((m) => m.includes('READY=1')),
        'READY=1 after the reload',
      );
      const reload = notify.messages.slice(before);
      assert.match(reload[0] ?? '', /RELOADING=1/u);
      assert.match(reload[0] ?? '', /MONOTONIC_USEC=\d+/u);
      assert.match(reload.at(-1) ?? '', /READY=1[\s\S]*STATUS=.*last reload: applied/u);

      writeFileSync(join(cfg.dir, 'managers.toml'), 'rule = "nosuch"\n');
      const beforeBad = notify.messages.length;
      server.child.kill('SIGHUP');
      await until(
        () => notify.messages.slice(beforeBad).some((m) => m.includes('READY=1')),
        'READY=1 after a refusal',
      );
      assert.match(notify.messages.at(-1) ?? '', /last reload: refused .*no manager named "nosuch"/u);

      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
      assert.ok(
        notify.messages.some((m) => m.includes('STOPPING=1')),
        notify.messages.join('\n'),
      );
    } finally {
      server?.child.kill('SIGKILL');
      notify.close();
      cfg.cleanup();
    }
  });

  it('serves on the sockets systemd-socket-activate holds; a connection made before it started is served', async () => {
    const [proxyPort, apiPort] = await Promise.all([freePort(), freePort()]);
    const cfg = writeConfigDir(MANAGERS);
    const origin = await startOrigin();
    let server: RunningProcess | undefined;
    try {
      const starting = spawnServer(cfg.dir, {
        wrapper: [
          'systemd-socket-activate',
          '-l',
          `127.0.0.1:${proxyPort}`,
          '-l',
          `127.0.0.1:${apiPort}`,
          '--fdname=proxy:api',
        ],
      });
      // systemd-socket-activate starts pmproxy at the first connection, which waits in the backlog.
      await until(
        () => spawnSync('sh', ['-c', `ss -ltn | grep -q ':${proxyPort} '`]).status === 0,
        'the socket',
        10_000,
      );
      const early = viaProxy(proxyPort, `${origin.base}/bytes/7`);
      early.catch(() => undefined);
      const heldBacklog = backlogOf(proxyPort);
      server = await starting;
      assert.equal(server.proxyPort, proxyPort, "the inherited socket, not server.toml's port 0");
      // Node's listen() on the descriptor sets a backlog again: never smaller than the unit's, which
      // is the room for connections that arrive during the next restart.
      assert.ok(heldBacklog !== undefined && heldBacklog > 511, `backlog held: ${heldBacklog}`);
      assert.equal(backlogOf(proxyPort), heldBacklog);
      assert.equal((await early).status, 200);
      assert.ok(
        server.stdout.some((l) => l.includes(`https://127.0.0.1:${apiPort}`)),
        server.stdout.join('\n'),
      );
      const api = net.connect(apiPort, '127.0.0.1');
      await once(api, 'connect');
      api.destroy();
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    } finally {
      server?.child.kill('SIGKILL');
      await origin.close();
      cfg.cleanup();
    }
  });
});

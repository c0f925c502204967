import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Gateway } from '../../src/server/gateway.js';
import { ApiClient } from '../helpers/api-client.js';
import { apiManagersToml } from '../helpers/api-config.js';
import { startGateway, testServerToml, writeConfigDir } from '../helpers/gateway.js';
import { startOrigin, type Origin } from '../helpers/origin.js';
import { openTunnel, until, viaProxy } from '../helpers/proxy-harness.js';

// /metrics and the access log of a gateway that has served traffic: Prometheus' own linter finds
// nothing to say, the byte counter is the sum of the log's bytes, Squid's log analyser reads every
// line, and a log file moved away (logrotate) is opened again on request without losing a line.

const ALICE = '127.0.0.2';
const NOBODY = '127.0.0.3';

function missingTool(tool: string): string | undefined {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0
    ? undefined
    : `${tool} is not installed (Debian package ${tool === 'promtool' ? 'prometheus' : tool}; .ci/run installs it)`;
}
for (const tool of ['promtool', 'calamaris']) {
  const why = missingTool(tool);
  if (why !== undefined && process.env['CI'] === 'true') it(`has ${tool}`, () => assert.fail(why));
}

/** The value of one sample line of the text exposition, 0 when it is absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('metrics and the access log', () => {
  let config: { dir: string; cleanup: () => void };
  let gateway: Gateway;
  let origin: Origin;
  let api: ApiClient;
  let logFile: string;
  let lines = 0;

  const logLines = () =>
    existsSync(logFile)
      ? readFileSync(logFile, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
      : [];

  before(async () => {
    origin = await startOrigin();
    config = writeConfigDir(
      apiManagersToml('', 'sessions ∧ down').replace('students = "1 KB"', 'students = "1 MB"'),
      `${testServerToml()}\n[log]\naccess = "squid"\naccessFile = "logs/access.log"\n`,
    );
    logFile = join(config.dir, 'logs', 'access.log');
    gateway = await startGateway(config.dir);
    api = ApiClient.of(gateway, config.dir);
    await api.login('alice', 'alice-pass', ALICE);
    const port = gateway.proxyAddress.port;
    for (const size of [1000, 1000, 1000, 5000]) {
      const r = await viaProxy(port, `${origin.base}/bytes/${size}`, { localAddress: ALICE });
      assert.equal(r.status, 200);
    }
    for (let i = 0; i < 2; i++) {
      assert.equal((await viaProxy(port, `${origin.base}/bytes/10`, { localAddress: NOBODY })).status, 403);
    }
    const tunnel = await openTunnel(port, '127.0.0.1:9', {}, ALICE);
    assert.match(tunnel.head, /^HTTP\/1\.1 403/u);
    tunnel.socket.destroy();
    lines = 7;
    await until(() => logLines().length === lines, `${lines} access log lines`);
  });
  after(async () => {
    await gateway?.stop();
    await origin?.close();
    config?.cleanup();
  });

  it("serves /metrics to this host; promtool finds nothing wrong; the byte counter is the log's sum", async () => {
    const answer = await api.call('/metrics');
    assert.equal(answer.status, 200, answer.text);
    assert.match(String(answer.headers['content-type']), /^text\/plain; version=0\.0\.4/u);
    const text = answer.text;
    assert.equal(
      sample(text, 'pmproxy_proxy_requests_total{kind="http",result="allowed",status_class="2xx"}'),
      4,
    );
    assert.equal(
      sample(text, 'pmproxy_proxy_requests_total{kind="http",result="denied",status_class="4xx"}'),
      2,
    );
    assert.equal(
      sample(text, 'pmproxy_proxy_requests_total{kind="connect",result="error",status_class="4xx"}'),
      1,
    );
    assert.equal(
      sample(text, 'pmproxy_decisions_total{surface="proxy",result="denied",manager="sessions"}'),
      2,
    );
    const loggedBytes = logLines().reduce((sum, l) => sum + Number(l.trim().split(/\s+/u)[4]), 0);
    assert.ok(loggedBytes > 8000, 'the bodies and their heads');
    assert.equal(loggedBytes, gateway.services.consumption.used('down', 'alice'), 'what the quota charged');
    assert.equal(sample(text, 'pmproxy_proxy_bytes_total{direction="down"}'), loggedBytes);
    assert.equal(
      sample(text, 'pmproxy_quota_used_bytes{manager="down",group="students"}'),
      gateway.services.consumption.used('down', 'alice'),
    );
    assert.equal(sample(text, 'pmproxy_quota_limit_bytes{manager="down",group="students"}'), 1024 * 1024);
    assert.match(text, /^process_resident_memory_bytes \d+/mu, "Node's default metrics");
    assert.match(text, /^nodejs_eventloop_lag_seconds /mu);
    assert.match(text, /^pmproxy_open_connections\{surface="api"\} [1-9]/mu);

    const why = missingTool('promtool');
    if (why !== undefined) return void console.log(`skipped promtool: ${why}`);
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(`${lint.stdout}${lint.stderr}`, '');
    assert.equal(lint.status, 0);
  });

  it("writes Squid's native format, which calamaris reads in full, with the same totals", () => {
    const log = logLines();
    assert.equal(log.length, lines);
    assert.match(
      log[0] ?? '',
      /^\d{10}\.\d{3} +\d+ 127\.0\.0\.2 TCP_MISS\/200 \d+ GET http:\/\/127\.0\.0\.1:\d+\/bytes\/1000 alice HIER_DIRECT\/127\.0\.0\.1 application\/octet-stream$/u,
    );
    assert.ok(
      log.some((l) => / 127\.0\.0\.3 TCP_DENIED\/403 \d+ GET .* - HIER_NONE\/- /u.test(l)),
      log.join('\n'),
    );
    assert.ok(
      log.some((l) => / TCP_DENIED\/403 \d+ CONNECT 127\.0\.0\.1:9 - HIER_NONE\/- -$/u.test(l)),
      log.join('\n'),
    );

    const why = missingTool('calamaris');
    if (why !== undefined) return void console.log(`skipped calamaris: ${why}`);
    const report = execFileSync('calamaris', ['-a'], { input: readFileSync(logFile), encoding: 'utf8' });
    const figure = (label: RegExp) =>
      Number(
        report
          .split('\n')
          .find((l) => label.test(l))
          ?.trim()
          .split(/\s+/u)
          .at(-1),
      );
    assert.equal(figure(/^lines parsed:/u), lines, report);
    assert.equal(figure(/^invalid lines:/u), 0, report);
    assert.equal(figure(/^Total amount:/u), lines);
    const logged = log.reduce((s, l) => s + Number(l.trim().split(/\s+/u)[4]), 0);
    assert.equal(figure(/^Total Bandwidth:/u), logged);
  });

  it('opens the file again after logrotate moved it, losing no line across 100 reopens under load', async () => {
    const port = gateway.proxyAddress.port;
    let sent = 0;
    let running = true;
    const load = (async () => {
      while (running) {
        await viaProxy(port, `${origin.base}/bytes/10`, { localAddress: ALICE });
        sent += 1;
      }
    })();
    const rotated: string[] = [];
    try {
      for (let i = 0; i < 100; i++) {
        const moved = `${logFile}.${i}`;
        renameSync(logFile, moved);
        rotated.push(moved);
        gateway.reopenLogs();
        // As logrotate's next run would: the file is there again before it is moved again.
        await until(() => existsSync(logFile), 'the reopened log file');
      }
    } finally {
      running = false;
      await load;
    }
    const count = (file: string) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '').length;
    await until(
      () => [...rotated, logFile].filter(existsSync).reduce((s, f) => s + count(f), 0) === lines + sent,
      `${lines + sent} lines in all`,
    );
    assert.ok(sent > 20, `${sent} requests during the rotations`);
  });
});

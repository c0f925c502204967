/**
 * `npm run bench:argon2`: argon2 as a lever (issue 10, finding 5). Starts the gateway as its own
 * process, floods it from 127.0.0.2 for ~10 s with 100 connections of distinct wrong passwords
 * (half as proxy credentials, half as API logins, each with a user name of its own so the
 * per-user limit does not end the flood early), and meanwhile measures from 127.0.0.3, once a
 * second, a good user's first proxied request (credentials never seen before: argon2 must run)
 * and an API login. Prints their latencies (target: under 200 ms) and the flood's statuses.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { hashPassword } from '../src/auth/passwords.js';
import { apiLogin, basic, flood, proxiedGet, Tally, timed } from './lib/flood-clients.js';
import { REPO_DIR } from './lib/layout.js';
import { summarize } from './lib/stats.js';

const FLOOD_MS = 10_000;
const CONNECTIONS = 100;
const SAMPLES = 9;
const TARGET_MS = 200;
const ATTACKER = '127.0.0.2';
const GOOD = '127.0.0.3';

async function configDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pmproxy-argon2-flood-'));
  const users = [];
  for (let i = 0; i < SAMPLES; i++) {
    users.push(`proxy${i} = "${await hashPassword(`proxy${i}-pass`)}"`);
    users.push(`api${i} = "${await hashPassword(`api${i}-pass`)}"`);
  }
  writeFileSync(
    join(dir, 'managers.toml'),
    `rule = "auth ∨ sessions"
[mapDB]
name = "users"
[mapDB.userPass]
${users.join('\n')}
[[sessionIPM]]
name = "sessions"
auth = "users"
[[proxyAuth]]
name = "auth"
auth = "users"
`,
  );
  writeFileSync(
    join(dir, 'server.toml'),
    `[proxy.server]
addr = "127.0.0.1:0"
[api]
httpsCert = "cert.pem"
httpsKey = "key.pem"
[api.server]
addr = "127.0.0.1:0"
[store]
path = "data/pmproxy.db"
`,
  );
  return dir;
}

interface Server {
  readonly proxyPort: number;
  readonly apiUrl: string;
  stop(): Promise<void>;
}

function startGateway(dir: string): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/pmproxy.ts', '--config', dir], {
    cwd: REPO_DIR,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let proxyPort: number | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const proxy = /proxy listening on http:\/\/127\.0\.0\.1:(\d+)/u.exec(line);
      if (proxy !== null) proxyPort = Number(proxy[1]);
      const api = /web and API on (https:\/\/127\.0\.0\.1:\d+)/u.exec(line);
      if (api !== null && proxyPort !== undefined) {
        resolve({
          proxyPort,
          apiUrl: api[1] ?? '',
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then(() => reject(new Error('the gateway exited before listening')));
  });
}

function describeMs(label: string, runs: number[]): string {
  const s = summarize(runs);
  if (s === undefined) return `${label}: no samples`;
  const verdict = s.max < TARGET_MS ? 'meets' : 'misses';
  const each = runs.map((ms) => ms.toFixed(0)).join(' ');
  return `${label}: median ${s.median.toFixed(1)} ms, max ${s.max.toFixed(1)} ms (${verdict} < ${TARGET_MS} ms; each: ${each})`;
}

async function main(): Promise<void> {
  const dir = await configDir();
  // The target is a local origin: once the proxy refuses loopback targets without
  // [proxy] allowInternal, a good request is 403 instead of 200; either way its credentials passed.
  const origin = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/`;
  const server = await startGateway(dir);
  const ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
  try {
    const quiet = { proxy: [] as number[], api: [] as number[] };
    const sample = async (into: { proxy: number[]; api: number[] }, i: number, statuses: Tally) => {
      const proxy = await timed(() =>
        proxiedGet(server.proxyPort, url, GOOD, basic(`proxy${i}`, `proxy${i}-pass`), false),
      );
      statuses.add(proxy.value);
      into.proxy.push(proxy.ms);
      const api = await timed(() => apiLogin(server.apiUrl, ca, GOOD, `api${i}`, `api${i}-pass`, false));
      statuses.add(api.value);
      into.api.push(api.ms);
    };
    const goodStatuses = new Tally();
    // One sample without the flood, for comparison (and to warm up both listeners).
    await sample(quiet, 0, goodStatuses);

    // The flood runs in a process of its own, so its loops do not delay this one's measurements.
    const flooding = runFlood(server, ca, url);
    const during = { proxy: [] as number[], api: [] as number[] };
    const until = Date.now() + FLOOD_MS;
    for (let i = 1; i < SAMPLES && Date.now() < until - 500; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await sample(during, i, goodStatuses);
    }
    const { proxyFlood, apiFlood } = await flooding;

    const lines = [
      `argon2 flood: ${CONNECTIONS} connections from ${ATTACKER} for ${FLOOD_MS / 1000} s, distinct wrong passwords`,
      `  flood, proxy credentials: ${proxyFlood.toString()}`,
      `  flood, API logins:        ${apiFlood.toString()}`,
      `good user from ${GOOD} (statuses: ${goodStatuses.toString()}):`,
      `  ${describeMs('first proxied request, no flood', quiet.proxy)}`,
      `  ${describeMs('API login, no flood', quiet.api)}`,
      `  ${describeMs('first proxied request, during the flood', during.proxy)}`,
      `  ${describeMs('API login, during the flood', during.api)}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await server.stop();
    await new Promise((resolve) => origin.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Spawns this script as the flood (see floodMain) and reads its two tallies back. */
function runFlood(
  server: Server,
  ca: string,
  url: string,
): Promise<{ proxyFlood: string; apiFlood: string }> {
  const args = [server.proxyPort, server.apiUrl, url].map(String);
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--flood', ...args], {
    cwd: REPO_DIR,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(ca);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`the flood process exited with ${code}`));
      else resolve(JSON.parse(out) as { proxyFlood: string; apiFlood: string });
    });
  });
}

/** The flood process: 100 connections from the attacker's address until FLOOD_MS passes. */
async function floodMain(proxyPort: number, apiUrl: string, url: string): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const ca = Buffer.concat(chunks).toString('utf8');
  const proxyFlood = new Tally();
  const apiFlood = new Tally();
  const until = Date.now() + FLOOD_MS;
  const proxyAgent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS / 2 });
  const apiAgent = new https.Agent({ keepAlive: true, maxSockets: CONNECTIONS / 2 });
  await Promise.all([
    flood(CONNECTIONS / 2, until, proxyFlood, (loop, i) =>
      proxiedGet(proxyPort, url, ATTACKER, basic(`guess${loop}-${i}`, `wrong-${loop}-${i}`), proxyAgent),
    ),
    flood(CONNECTIONS / 2, until, apiFlood, (loop, i) =>
      apiLogin(apiUrl, ca, ATTACKER, `guess${loop}-${i}`, `wrong-${loop}-${i}`, apiAgent),
    ),
  ]);
  proxyAgent.destroy();
  apiAgent.destroy();
  process.stdout.write(JSON.stringify({ proxyFlood: proxyFlood.toString(), apiFlood: apiFlood.toString() }));
}

const [mode, ...floodArgs] = process.argv.slice(2);
const run =
  mode === '--flood' ? floodMain(Number(floodArgs[0]), floodArgs[1] ?? '', floodArgs[2] ?? '') : main();
run.catch((err: unknown) => {
  process.stderr.write(`bench:argon2: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

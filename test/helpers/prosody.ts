import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's prosody package: the launcher and its command-line tool. */
export const PROSODY = '/usr/bin/prosody';
export const PROSODYCTL = '/usr/bin/prosodyctl';
/** From Debian's prosody-modules package: the external HTTP upload module (v1 and v2 signatures). */
export const UPLOAD_MODULE = '/usr/lib/prosody/modules/mod_http_upload_external/mod_http_upload_external.lua';

/** Why the Prosody tests cannot run here, or undefined when they can. */
export function prosodyMissing(): string | undefined {
  if (!existsSync(PROSODY) || !existsSync(PROSODYCTL)) {
    return `${PROSODY} is not installed (apt-get install prosody)`;
  }
  if (!existsSync(UPLOAD_MODULE)) {
    return `${UPLOAD_MODULE} is not installed (apt-get install prosody-modules)`;
  }
  return undefined;
}

/** The module's `_protocol` option: "v1" signs `path size`, "v2" signs path, size and type. */
export type ProsodyUploadProtocol = 'v1' | 'v2';

/** One upload component: a host of its own that hands out slots for one protocol. */
export interface UploadComponent {
  readonly host: string;
  readonly protocol: ProsodyUploadProtocol;
}

export interface ProsodySetup {
  /** The users' domain (a VirtualHost). */
  readonly domain: string;
  /** Where slots point: the file server's URL including its prefix, ending in "/". */
  readonly uploadBaseUrl: string;
  /** Shared with the file server's `[files] secret`. */
  readonly secret: string;
  readonly components: readonly UploadComponent[];
  /** Accounts to create before Prosody starts. */
  readonly users: readonly { readonly username: string; readonly password: string }[];
}

export interface RunningProsody {
  readonly domain: string;
  /** Where clients connect: plain XMPP (no TLS) on 127.0.0.1. */
  readonly service: string;
  readonly pid: number;
  /** The last lines of Prosody's log, for failure messages. */
  logTail(): string;
  /** SIGTERM by PID, SIGKILL if it lingers, then the temporary directory goes. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * A Lua string literal. Only printable ASCII is expected (URLs, hosts, paths, secrets); anything
 * else is refused rather than escaped, so a config can never be misread.
 */
function lua(text: string): string {
  if (!/^[\x20-\x7e]*$/u.test(text)) throw new Error(`not printable ASCII: ${JSON.stringify(text)}`);
  return `"${text.replace(/[\\"]/gu, (c) => `\\${c}`)}"`;
}

function prosodyConfig(setup: ProsodySetup, dir: string, c2sPort: number): string {
  const lines = [
    // As root (CI, this machine) prosodyctl would switch to the "prosody" user, who cannot write
    // our temporary directory. Everything here runs as whoever runs the tests.
    'run_as_root = true',
    `data_path = ${lua(join(dir, 'data'))}`,
    `certificates = ${lua(join(dir, 'certs'))}`,
    `log = { { levels = { min = "debug" }, to = "file", filename = ${lua(join(dir, 'prosody.log'))} } }`,
    // mod_posix is loaded on every POSIX system unless disabled; without it Prosody cannot
    // daemonize or switch users, and SIGTERM simply ends it.
    // s2s would listen on 5269 on every interface; nothing here federates.
    'modules_disabled = { "posix", "s2s", "s2s_auth_certs" }',
    'modules_enabled = { "saslauth", "disco", "roster" }',
    // Only one listener: client connections on loopback, on a port picked free for this run.
    'interfaces = { "127.0.0.1" }',
    `c2s_ports = { ${c2sPort} }`,
    'c2s_direct_tls_ports = { }',
    'legacy_ssl_ports = { }',
    // No TLS on loopback: plain streams. @xmpp/client then logs in with SCRAM-SHA-1; PLAIN stays
    // allowed so that any other client could log in too.
    'c2s_require_encryption = false',
    'allow_unencrypted_plain_auth = true',
    'authentication = "internal_hashed"',
    'storage = "internal"',
    `VirtualHost ${lua(setup.domain)}`,
  ];
  for (const component of setup.components) {
    lines.push(
      `Component ${lua(component.host)} "http_upload_external"`,
      `  http_upload_external_base_url = ${lua(setup.uploadBaseUrl)}`,
      `  http_upload_external_secret = ${lua(setup.secret)}`,
      `  http_upload_external_protocol = ${lua(component.protocol)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Runs a command to its end; its output comes back together, for error messages. */
function runCommand(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (data: Buffer): void => void (output += data.toString('utf8'));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Runs Debian's Prosody in the foreground from its installed files with a config of our own in a
 * temporary directory: its own data (accounts created with prosodyctl first), log and a c2s port
 * on 127.0.0.1. Resolves once that port accepts connections.
 */
export async function startProsody(setup: ProsodySetup): Promise<RunningProsody> {
  const dir = mkdtempSync(join(tmpdir(), 'pmproxy-prosody-'));
  mkdirSync(join(dir, 'data'));
  // An empty certificate folder: Prosody logs an error at startup when the folder is missing.
  mkdirSync(join(dir, 'certs'));
  const logFile = join(dir, 'prosody.log');
  const configFile = join(dir, 'prosody.cfg.lua');
  const c2sPort = await freePort();
  writeFileSync(configFile, prosodyConfig(setup, dir, c2sPort));
  const logTail = (): string =>
    existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n') : '';

  try {
    for (const user of setup.users) {
      const args = ['--config', configFile, 'register', user.username, setup.domain, user.password];
      const result = await runCommand(PROSODYCTL, args);
      if (result.code !== 0) {
        throw new Error(`prosodyctl register ${user.username} failed (${result.code}):\n${result.output}`);
      }
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const child = spawn(PROSODY, ['--config', configFile, '-F'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (data: Buffer): void => {
    output = (output + data.toString('utf8')).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  // A test run that dies without stopping it must not leave a Prosody behind.
  const orphaned = (): void => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', orphaned);

  const stop = async (): Promise<void> => {
    process.off('exit', orphaned);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await waitExit(child);
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = performance.now() + 30_000;
  for (;;) {
    if (spawnError !== undefined || child.exitCode !== null || child.signalCode !== null) {
      const log = logTail();
      await stop();
      throw new Error(`prosody did not start: ${spawnError?.message ?? 'it exited'}\n${output}\n${log}`);
    }
    if (await accepts(c2sPort)) break;
    if (performance.now() > deadline) {
      const log = logTail();
      await stop();
      throw new Error(`prosody did not listen on ${c2sPort} within 30 s\n${output}\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }

  return {
    domain: setup.domain,
    service: `xmpp://127.0.0.1:${c2sPort}`,
    pid: child.pid as number,
    logTail,
    stop,
  };
}

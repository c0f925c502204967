import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Gateway } from '../../src/server/gateway.js';
import type { Clock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';

export const repoRoot = join(import.meta.dirname, '..', '..');

/**
 * server.toml for tests: every listener on 127.0.0.1 port 0, files inside the config dir, loopback
 * targets allowed (the origins listen there).
 */
export function testServerToml(extra = '', proxyExtra = ''): string {
  return `[proxy]
dialTimeout = "2s"
connectPorts = [443]
# The test origins listen on loopback, which the proxy refuses by default.
allowInternal = ["127.0.0.0/8", "::1/128"]
${proxyExtra}
[proxy.server]
addr = "127.0.0.1:0"
[api]
httpsCert = "cert.pem"
httpsKey = "key.pem"
persistInterval = "1h"
${extra}
[api.server]
addr = "127.0.0.1:0"
[store]
path = "data/pmproxy.db"
`;
}

/** A temporary configuration directory, removed by the returned cleanup. */
export function writeConfigDir(
  managers: string,
  server = testServerToml(),
): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pmproxy-test-'));
  writeFileSync(join(dir, 'managers.toml'), managers);
  writeFileSync(join(dir, 'server.toml'), server);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startGateway(dir: string, clock?: Clock): Promise<Gateway> {
  return Gateway.start(
    clock === undefined
      ? { configDir: dir, log: silentLogger, accessToStdout: false }
      : { configDir: dir, log: silentLogger, clock, accessToStdout: false },
  );
}

export interface RunningProcess {
  readonly child: ChildProcess;
  readonly proxyPort: number;
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
}

/** Runs `pmproxy` from the sources in a child process, as an admin would run it. */
export function runPmproxy(
  args: string[],
  options: { input?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runFromSources('src/cli/pmproxy.ts', args, options);
}

/** Runs one of our commands from the sources in a child process, without a terminal. */
export function runFromSources(
  script: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, script), ...args], {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.env === undefined ? {} : { env: options.env }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Starts the server in a child process and waits for it to print where the proxy listens.
 * `wrapper` runs it through another program first (`systemd-socket-activate -l …`).
 */
export function spawnServer(
  dir: string,
  options: { env?: NodeJS.ProcessEnv; wrapper?: readonly string[] } = {},
): Promise<RunningProcess> {
  const command = [
    ...(options.wrapper ?? []),
    process.execPath,
    '--import',
    'tsx',
    join(repoRoot, 'src/cli/pmproxy.ts'),
    '--config',
    dir,
  ];
  const child = spawn(command[0] ?? process.execPath, command.slice(1), {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  createInterface({ input: child.stderr }).on('line', (l) => stderr.push(l));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout.push(line);
      const m = /proxy listening on http:\/\/127\.0\.0\.1:(\d+)/u.exec(line);
      if (m !== null) resolve({ child, proxyPort: Number(m[1]), stdout, stderr, exited });
    });
    void exited.then((code) =>
      reject(new Error(`pmproxy exited (${code}) before listening:\n${stderr.join('\n')}`)),
    );
  });
}

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { LOG_DIR, PID_DIR, REPO_DIR } from './layout.js';
import { startTime } from './proc-stats.js';

/** A process the bench started and must stop. */
export interface Running {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Where its stdout and stderr go (long-running servers), or undefined (captured commands). */
  readonly logPath: string | undefined;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
}

const running = new Set<Running>();
// os.cpus(), not availableParallelism(): the bench itself runs pinned to one core by run.sh.
const canPin = cpus().length >= 2;

/** The taskset prefix that puts a command on one core; nothing on a one-core machine. */
function pinned(core: number, command: string, args: readonly string[]): [string, string[]] {
  return canPin ? ['taskset', ['-c', String(core), command, ...args]] : [command, [...args]];
}

export function pinningWorks(): boolean {
  return canPin;
}

/**
 * Starts a long-running server pinned to `core`. Its output goes straight to
 * bench/out/logs/<name>.log (a file descriptor, not a pipe: the bench must not spend the load
 * core's time relaying a proxy's access log).
 */
export function startServer(
  name: string,
  core: number,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Running {
  mkdirSync(LOG_DIR, { recursive: true });
  const logPath = join(LOG_DIR, `${name}.log`);
  const log = openSync(logPath, 'w');
  const [cmd, cmdArgs] = pinned(core, command, args);
  try {
    const child = spawn(cmd, cmdArgs, { cwd: REPO_DIR, env, stdio: ['ignore', log, log] });
    return track(name, child, logPath);
  } finally {
    closeSync(log);
  }
}

export interface Captured {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command pinned to `core` to completion (killed after `timeoutMs`), capturing its output. */
export function runCaptured(
  name: string,
  core: number,
  command: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<Captured> {
  const [cmd, cmdArgs] = pinned(core, command, args);
  const child = spawn(cmd, cmdArgs, { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = track(name, child, undefined);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return proc.exited.then((code) => {
    clearTimeout(timer);
    return { code, stdout, stderr };
  });
}

/** Starts a helper whose stdin and stdout the bench talks to (bench/idle.js). */
export function startInteractive(
  name: string,
  core: number,
  command: string,
  args: readonly string[],
): Running {
  const [cmd, cmdArgs] = pinned(core, command, args);
  const child = spawn(cmd, cmdArgs, { cwd: REPO_DIR, stdio: ['pipe', 'pipe', 'inherit'] });
  return track(name, child, undefined);
}

function track(name: string, child: ChildProcess, logPath: string | undefined): Running {
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: could not start ${child.spawnfile}`);
  const pidFile = join(PID_DIR, String(pid));
  mkdirSync(PID_DIR, { recursive: true });
  writeFileSync(pidFile, `${startTime(pid) ?? ''} ${name}\n`);
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', () => resolve('spawn-error'));
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const proc: Running = { name, pid, child, logPath, exited };
  running.add(proc);
  void exited.then(() => {
    running.delete(proc);
    rmSync(pidFile, { force: true });
  });
  return proc;
}

/** Sends `signal`, waits up to `graceMs`, then SIGKILL. Resolves once the process is gone. */
export async function stop(proc: Running, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (!running.has(proc)) return;
  proc.child.kill(signal);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

/** Stops everything still running, newest first (servers after the clients that use them). */
export async function stopAll(): Promise<void> {
  for (const proc of [...running].reverse()) await stop(proc, 'SIGTERM', 3000);
}

/** Resolves once something accepts TCP connections on host:port; rejects if `proc` exits first or time runs out. */
export async function waitForPort(
  proc: Running,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | string | undefined;
  void proc.exited.then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined)
      throw new Error(`${proc.name} exited (${exitCode}) before listening on ${port}`);
    if (await accepts(host, port)) return;
    if (Date.now() > deadline)
      throw new Error(`${proc.name} is not listening on ${host}:${port} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Whether a TCP connection to host:port succeeds now. */
export function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs a bench's `main` and exits with its status, stopping every process it started however it
 * ends: normally, by an exception, or by SIGINT/SIGTERM/SIGHUP.
 */
export function runBench(main: () => Promise<number>): void {
  let stopping = false;
  const shutdown = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      await stopAll();
    }
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`bench: ${signal}: stopping everything it started\n`);
      void shutdown(130);
    });
  }
  main().then(
    (code) => shutdown(code),
    (err: unknown) => {
      process.stderr.write(
        `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      return shutdown(1);
    },
  );
}

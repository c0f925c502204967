import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import net from 'node:net';

/** A TCP port free on 127.0.0.1 at the moment of asking. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A system daemon a test runs in the foreground in a temporary folder (clamd, Prosody …). */
export interface ServiceProcess {
  readonly child: ChildProcess;
  /** The last 4000 characters it wrote to stdout and stderr. */
  readonly output: () => string;
  /** Why it could not be spawned, or why it has exited; undefined while it runs. */
  readonly ended: () => string | undefined;
  /** Resolves when the process has exited. */
  readonly exited: () => Promise<void>;
  /** SIGTERM (SIGKILL after 10 s) unless it already exited, then removes its folder. */
  readonly stop: () => Promise<void>;
  /**
   * Polls `ready` every 25 ms until it holds; when the service exits or `ms` pass, stops it and
   * throws with its output and `diagnostics()` (read before its folder goes).
   */
  readonly waitUntil: (
    ready: () => boolean | Promise<boolean>,
    ms: number,
    what: string,
    diagnostics?: () => string,
  ) => Promise<void>;
}

/**
 * Spawns `command`, keeping the tail of its output, and makes sure that a test run which dies
 * without stopping it leaves neither the process nor `dir` behind.
 */
export function startServiceProcess(
  command: string,
  args: readonly string[],
  dir: string,
  beforeStop: (child: ChildProcess) => void = () => undefined,
): ServiceProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (data: Buffer): void => {
    output = (output + data.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const orphaned = (): void => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', orphaned);

  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const exited = (): Promise<void> =>
    running() ? new Promise((resolve) => child.once('exit', () => resolve())) : Promise.resolve();
  const stop = async (): Promise<void> => {
    process.off('exit', orphaned);
    if (running()) {
      beforeStop(child);
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited();
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const ended = (): string | undefined =>
    spawnError?.message ?? (running() ? undefined : `it exited (${child.exitCode ?? child.signalCode})`);

  return {
    child,
    output: () => output,
    ended,
    exited,
    stop,
    waitUntil: async (ready, ms, what, diagnostics = () => '') => {
      const deadline = performance.now() + ms;
      const fail = async (why: string): Promise<never> => {
        const more = diagnostics();
        await stop();
        throw new Error(`${command} ${why}\n${output}${more === '' ? '' : `\n${more}`}`);
      };
      for (;;) {
        const end = ended();
        if (end !== undefined) await fail(`did not start: ${end}`);
        if (await ready()) return;
        if (performance.now() > deadline) await fail(`did not ${what} within ${ms / 1000} s`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
  };
}

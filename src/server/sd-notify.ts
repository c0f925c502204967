import { spawn } from 'node:child_process';
import type { Logger } from '../util/logger.js';

/** systemd-notify waits for systemd to take the message (its barrier); never longer than this. */
const NOTIFY_TIMEOUT_MS = 5_000;

/**
 * Tells systemd how the service is doing (`Type=notify`): READY=1 once every listener accepts,
 * RELOADING=1 then READY=1 around a reload, STOPPING=1 on the way out, STATUS= for `systemctl
 * status`. Node has no Unix datagram sockets, so the messages go through Debian's `systemd-notify`
 * program, sent for this process (`--pid`), which the unit's `NotifyAccess=all` lets through.
 * Without NOTIFY_SOCKET (not under systemd) it does nothing.
 */
export class SystemdNotifier {
  readonly #socket: string | undefined;
  #failed = false;
  /** Messages go out one at a time and in order: READY=1 must never overtake RELOADING=1. */
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly log: Logger,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.#socket = env['NOTIFY_SOCKET'];
  }

  get enabled(): boolean {
    return this.#socket !== undefined && this.#socket !== '';
  }

  /** Sends `KEY=value` assignments as one message; resolves once systemd took it (or gave up). */
  send(assignments: Readonly<Record<string, string>>): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    const args = [
      `--pid=${process.pid}`,
      ...Object.entries(assignments).map(([key, value]) => `${key}=${value.replace(/\n/gu, ' ')}`),
    ];
    this.#queue = this.#queue.then(() => this.#run(args));
    return this.#queue;
  }

  #run(args: string[]): Promise<void> {
    return new Promise((resolve) => {
      const child = spawn('systemd-notify', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const timer = setTimeout(() => child.kill('SIGKILL'), NOTIFY_TIMEOUT_MS);
      const done = (problem: string | undefined): void => {
        clearTimeout(timer);
        if (problem !== undefined && !this.#failed) {
          this.#failed = true;
          this.log.warn('telling systemd failed', { kind: 'systemd', problem, args });
        }
        resolve();
      };
      child.once('error', (err) => done(String(err)));
      child.once('exit', (code, signal) =>
        done(code === 0 ? undefined : `systemd-notify ${signal ?? `exited ${code}`}: ${stderr.trim()}`),
      );
    });
  }
}

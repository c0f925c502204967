import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SERVER_ENV } from '../../src/cli/node-flags.js';
import { LOAD_CORE, LOG_DIR, LOOPBACK, PROXY_CORE } from '../lib/layout.js';
import { startInteractive, stop, type Running } from '../lib/processes.js';
import { pmproxyCommand, type OpsConfig } from './instance.js';

/**
 * bench/ops/restart-supervisor.py driven from the bench: it starts pmproxy, restarts it on "go" and
 * tells each start, stop and exit as a JSON line, which this collects.
 */

const SUPERVISOR = join(import.meta.dirname, 'restart-supervisor.py');

export interface SupervisorEvent {
  readonly event: 'ready' | 'stopping' | 'exited' | 'restarted' | 'failed';
  /** Seconds on the supervisor's monotonic clock. */
  readonly t: number;
  readonly pid?: number;
  readonly code?: number;
  readonly startSeconds?: number;
  readonly stopSeconds?: number;
}

export interface Supervision {
  readonly events: readonly SupervisorEvent[];
  /** Resolves with the next event of this kind (or rejects if the supervisor fails or exits). */
  next(kind: SupervisorEvent['event']): Promise<SupervisorEvent>;
  /** Begins the restarts. */
  go(): void;
  /** Stops the last server and the supervisor. */
  close(): Promise<void>;
}

export interface SupervisionOptions {
  readonly name: string;
  readonly config: OpsConfig;
  readonly restarts: number;
  readonly holdSeconds: number;
  /** Whether the supervisor holds the listening sockets (socket activation) or pmproxy binds its own. */
  readonly socketActivation: boolean;
}

export function supervise(options: SupervisionOptions): Supervision {
  const { config } = options;
  const { command, args } = pmproxyCommand(config);
  // `env` and `taskset` exec what follows, so LISTEN_PID=$$ is still pmproxy's pid.
  const serverEnv = Object.entries(SERVER_ENV).map(([key, value]) => `${key}=${value}`);
  const server = ['env', ...serverEnv, 'taskset', '-c', String(PROXY_CORE), command, ...args];
  const listen = options.socketActivation
    ? [
        ['--listen', `proxy=${LOOPBACK}:${config.ports.proxy}`],
        ['--listen', `api=${LOOPBACK}:${config.ports.api}`],
      ].flat()
    : [];
  const proc: Running = startInteractive(options.name, LOAD_CORE, 'python3', [
    SUPERVISOR,
    ...listen,
    '--restarts',
    String(options.restarts),
    '--hold',
    String(options.holdSeconds),
    '--log',
    join(LOG_DIR, `${options.name}.log`),
    '--',
    ...server,
  ]);
  const events: SupervisorEvent[] = [];
  const waiting: { kind: SupervisorEvent['event']; resolve: (e: SupervisorEvent) => void }[] = [];
  let gone: Error | undefined;
  const failAll = (err: Error): void => {
    gone = err;
    for (const w of waiting.splice(0)) w.resolve({ event: 'failed', t: 0 });
  };
  createInterface({ input: proc.child.stdout! }).on('line', (line) => {
    const event = JSON.parse(line) as SupervisorEvent;
    events.push(event);
    if (event.event === 'failed') failAll(new Error(`${options.name}: pmproxy did not get ready`));
    for (const w of waiting.filter((x) => x.kind === event.event)) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(event);
    }
  });
  void proc.exited.then((code) => failAll(new Error(`${options.name} exited (${code})`)));

  return {
    events,
    async next(kind) {
      if (gone !== undefined) throw gone;
      const event = await new Promise<SupervisorEvent>((resolve) => waiting.push({ kind, resolve }));
      if (event.event === 'failed') throw gone ?? new Error(`${options.name}: failed`);
      return event;
    },
    go() {
      proc.child.stdin!.write('go\n');
    },
    async close() {
      const stdin = proc.child.stdin!;
      if (!stdin.destroyed) stdin.end();
      const timer = setTimeout(() => void stop(proc), 30_000);
      await Promise.race([proc.exited, once(proc.child, 'exit')]);
      clearTimeout(timer);
    },
  };
}

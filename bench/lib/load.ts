import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BENCH_DIR, LOAD_CORE, LOOPBACK, ORIGIN } from './layout.js';
import { runCaptured, sleep, startInteractive, stop } from './processes.js';

/** The load generators (wrk, curl, idle.js), always on the load core with the origin. */

export interface ProxyAccess {
  /** The proxy's port; undefined means straight to the origin. */
  readonly port: number | undefined;
  /** user:password for Proxy-Authorization: Basic, when the target asks for it. */
  readonly credentials: string | undefined;
}

export interface WrkResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly non2xx: number;
  readonly socketErrors: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
}

/** `wrk -t1 -c<connections> -d<seconds>s --latency -s abs.lua` through the proxy (§A3.3). */
export async function wrk(access: ProxyAccess, seconds: number, connections = 50): Promise<WrkResult> {
  const port = access.port ?? Number(ORIGIN.split(':')[1]);
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', join(BENCH_DIR, 'abs.lua')];
  if (access.credentials !== undefined) args.push('-H', `Proxy-Authorization: ${basic(access.credentials)}`);
  args.push(`http://${LOOPBACK}:${port}/`);
  const out = await runCaptured('wrk', LOAD_CORE, 'wrk', args, (seconds + 30) * 1000);
  if (out.code !== 0) throw new Error(`wrk failed (${out.code}): ${out.stderr.trim() || out.stdout.trim()}`);
  const total = /(\d+) requests in ([\d.]+)(m?s)/u.exec(out.stdout);
  if (total === null) throw new Error(`wrk printed no totals:\n${out.stdout}`);
  const requests = Number(total[1]);
  const elapsed = Number(total[2]) / (total[3] === 'ms' ? 1000 : 1);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/u.exec(out.stdout);
  return {
    requests,
    seconds: elapsed,
    rps: requests / elapsed,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/u.exec(out.stdout)?.[1] ?? 0),
    socketErrors: errors === null ? 0 : errors.slice(1).reduce((sum, n) => sum + Number(n), 0),
    p50Ms: latencyMs(out.stdout, '50%'),
    p99Ms: latencyMs(out.stdout, '99%'),
  };
}

function latencyMs(output: string, percentile: string): number | undefined {
  const m = new RegExp(`^\\s+${percentile}\\s+([\\d.]+)(us|ms|s)$`, 'mu').exec(output);
  if (m === null) return undefined;
  const scale = { us: 0.001, ms: 1, s: 1000 }[m[2] as 'us' | 'ms' | 's'];
  return Number(m[1]) * scale;
}

export interface Download {
  readonly status: number;
  readonly bytes: number;
  readonly bytesPerSecond: number;
}

/** `curl -x` (GET) or `curl -p -x` (CONNECT, even for http://) of one file from the origin (§A3.4–5). */
export async function curl(
  access: ProxyAccess,
  file: string,
  tunnel: boolean,
  maxSeconds = 300,
): Promise<Download> {
  const args = ['-s', '-o', '/dev/null', '--max-time', String(maxSeconds)];
  args.push('-w', '%{http_code} %{size_download} %{speed_download}');
  if (access.port !== undefined) args.push('-x', `http://${LOOPBACK}:${access.port}`);
  if (access.credentials !== undefined) args.push('--proxy-user', access.credentials);
  if (tunnel) args.push('-p');
  args.push(`http://${ORIGIN}/${file}`);
  const out = await runCaptured('curl', LOAD_CORE, 'curl', args, (maxSeconds + 10) * 1000);
  const [status, bytes, speed] = out.stdout.trim().split(' ').map(Number);
  if (status === undefined || bytes === undefined || speed === undefined || Number.isNaN(speed)) {
    throw new Error(`curl failed (${out.code}): ${out.stderr.trim() || out.stdout.trim()}`);
  }
  return { status, bytes, bytesPerSecond: speed };
}

export interface IdleRun {
  /** Connections that reached their idle state. */
  readonly open: number;
  readonly failed: number;
  /** Connections the server closed after they had become idle: before memory was read, and by the end of the hold. */
  readonly closedBeforeReading: number;
  readonly closedByServer: number;
  /** The proxy's memory with the warm-up connections open, and with all of them open. */
  readonly rssBefore: number;
  readonly rssAfter: number;
}

export interface IdleOptions {
  readonly mode: 'keepalive' | 'tunnel' | 'direct';
  readonly connections: number;
  readonly holdSeconds: number;
  /** Reads the memory of the process under test. */
  readonly rss: () => number;
}

/** Runs bench/idle.js against the proxy and reads the proxy's memory at its steps (§A3.7). */
export async function idle(access: ProxyAccess, options: IdleOptions): Promise<IdleRun> {
  const port = access.port ?? Number(ORIGIN.split(':')[1]);
  const args = [join(BENCH_DIR, 'idle.js'), '--proxy', `${LOOPBACK}:${port}`, '--origin', ORIGIN];
  args.push(
    '--mode',
    options.mode,
    '--n',
    String(options.connections),
    '--hold',
    String(options.holdSeconds),
  );
  if (access.credentials !== undefined) args.push('--auth', access.credentials);
  const proc = startInteractive('idle.js', LOAD_CORE, process.execPath, args);
  const deadline = setTimeout(() => void stop(proc, 'SIGKILL'), (options.holdSeconds + 180) * 1000);
  const nextStep = stepReader(proc.child.stdout!);
  try {
    await nextStep('warm');
    await sleep(1000);
    const rssBefore = options.rss();
    proc.child.stdin!.write('go\n');
    const ready = await nextStep('ready');
    await sleep(1000);
    const rssAfter = options.rss();
    const done = await nextStep('done');
    return {
      open: ready.open ?? 0,
      failed: ready.failed ?? 0,
      closedBeforeReading: ready.closedByServer ?? 0,
      closedByServer: done.closedByServer ?? 0,
      rssBefore,
      rssAfter,
    };
  } finally {
    clearTimeout(deadline);
    await stop(proc, 'SIGTERM', 2000);
  }
}

interface IdleStep {
  readonly event: string;
  readonly open?: number;
  readonly failed?: number;
  readonly closedByServer?: number;
}

/** Reads idle.js's JSON lines one at a time, each expected to be a given step. */
function stepReader(stream: NodeJS.ReadableStream): (event: string) => Promise<IdleStep> {
  const lines = createInterface({ input: stream });
  const queued: string[] = [];
  let waiting: ((line: string | undefined) => void) | undefined;
  let closed = false;
  lines.on('line', (line) => {
    if (waiting === undefined) queued.push(line);
    else waiting(line);
  });
  lines.on('close', () => {
    closed = true;
    waiting?.(undefined);
  });
  return async (event) => {
    const line =
      queued.shift() ??
      (closed
        ? undefined
        : await new Promise<string | undefined>((resolve) => {
            waiting = (next) => {
              waiting = undefined;
              resolve(next);
            };
          }));
    if (line === undefined) throw new Error(`idle.js stopped before "${event}"`);
    const step = JSON.parse(line) as IdleStep;
    if (step.event !== event) throw new Error(`idle.js said "${step.event}", expected "${event}"`);
    return step;
  };
}

function basic(credentials: string): string {
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

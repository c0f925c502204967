import { LOAD_CORE, PROXY_CORE } from './layout.js';
import { runCaptured } from './processes.js';

/** One upload or download, as the tool that moved the bytes saw it. */
export interface Transfer {
  /** The HTTP status; 0 for dd, which has none. */
  readonly status: number;
  readonly bytes: number;
  readonly bytesPerSecond: number;
  /** CPU seconds of the tool itself, when it is what is measured (dd); servers are read from /proc. */
  readonly ownCpuSeconds?: number;
}

const message = (out: { code: number | string; stderr: string; stdout: string }) =>
  `(${out.code}): ${out.stderr.trim() || out.stdout.trim()}`;

/**
 * `dd bs=1M` under /usr/bin/time, pinned to the server core: dd is both ends of its copy, so it
 * stands where the server would. Its rate is its own ("copied, S s"), without process start.
 */
export async function dd(from: string, to: string, fsync: boolean, maxSeconds: number): Promise<Transfer> {
  const args = ['-f', 'cpu %U %S', 'dd', `if=${from}`, `of=${to}`, 'bs=1M', ...(fsync ? ['conv=fsync'] : [])];
  const out = await runCaptured('dd', PROXY_CORE, '/usr/bin/time', args, maxSeconds * 1000);
  const copied = /^(\d+) bytes .* copied, ([\d.e+-]+) s/mu.exec(out.stderr);
  const cpu = /^cpu ([\d.]+) ([\d.]+)$/mu.exec(out.stderr);
  if (out.code !== 0 || copied === null) throw new Error(`dd failed ${message(out)}`);
  const bytes = Number(copied[1]);
  const seconds = Number(copied[2]);
  return {
    status: 0,
    bytes,
    bytesPerSecond: bytes / seconds,
    ...(cpu === null ? {} : { ownCpuSeconds: Number(cpu[1]) + Number(cpu[2]) }),
  };
}

export interface CurlOptions {
  /** Such as -k (pmproxy's self-signed certificate) and the HTTP version. */
  readonly flags: readonly string[];
  readonly maxSeconds: number;
}

function curlArgs(options: CurlOptions, format: string): string[] {
  return ['-sS', '-o', '/dev/null', '--max-time', String(options.maxSeconds), '-w', format, ...options.flags];
}

function parseCurl(out: { code: number | string; stdout: string; stderr: string }): Transfer {
  const [status, bytes, speed] = out.stdout.trim().split(' ').map(Number);
  if (status === undefined || bytes === undefined || speed === undefined || Number.isNaN(speed)) {
    throw new Error(`curl failed ${message(out)}`);
  }
  return { status, bytes, bytesPerSecond: speed };
}

/**
 * `curl -T FILE URL` on the load core: a PUT with Content-Length (and `Expect: 100-continue`,
 * which both servers answer at once). The rate runs until the server's answer, so it includes
 * whatever the server does after the last byte (pmproxy: the digest, the link, the catalog).
 */
export async function curlUpload(file: string, url: string, options: CurlOptions): Promise<Transfer> {
  const args = [...curlArgs(options, '%{http_code} %{size_upload} %{speed_upload}'), '-T', file, url];
  return parseCurl(await runCaptured('curl', LOAD_CORE, 'curl', args, (options.maxSeconds + 10) * 1000));
}

/** `curl -o /dev/null URL` on the load core. */
export async function curlDownload(url: string, options: CurlOptions): Promise<Transfer> {
  const args = [...curlArgs(options, '%{http_code} %{size_download} %{speed_download}'), url];
  return parseCurl(await runCaptured('curl', LOAD_CORE, 'curl', args, (options.maxSeconds + 10) * 1000));
}

/** `dd if=FILE of=/dev/null bs=1M`: the read baseline. */
export function ddRead(file: string, maxSeconds: number): Promise<Transfer> {
  return dd(file, '/dev/null', false, maxSeconds);
}

/**
 * Node's SHA-256 alone over 256 MiB of 64 KiB chunks, on the server core: the part of pmproxy's
 * upload CPU that goes to the digest it records, which no stream tuning can remove.
 */
const HASH_SCRIPT = `
const { createHash, randomBytes } = require('node:crypto');
const chunk = randomBytes(65536);
const hash = createHash('sha256');
const before = process.cpuUsage();
for (let i = 0; i < 4096; i++) hash.update(chunk);
hash.digest();
const used = process.cpuUsage(before);
process.stdout.write(String(((used.user + used.system) / 1e6) * 4));
`;

export async function sha256CpuSecondsPerGiB(): Promise<number | undefined> {
  const out = await runCaptured('sha256', PROXY_CORE, process.execPath, ['-e', HASH_SCRIPT], 60_000);
  const seconds = Number(out.stdout.trim());
  return out.code === 0 && Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

/**
 * Idle connections (perf-security.md §A3.7). Opens connections to a proxy, a batch at a time; each
 * either does one proxied keep-alive GET and then sits idle (--mode keepalive), or opens a CONNECT
 * tunnel to the origin and sits idle (--mode tunnel). With --mode direct it does the keep-alive GET
 * straight to the origin.
 *
 * It talks to bench/run.ts over stdio, one JSON line per step, so that the proxy's memory can be
 * read at the right moments:
 *   1. opens --warm connections, prints {"event":"warm",...} and waits for a line "go" on stdin;
 *   2. opens --n more, prints {"event":"ready","open":…,"failed":…,"closedByServer":…};
 *   3. holds them --hold seconds, prints {"event":"done","closedByServer":…} and exits.
 * closedByServer counts the --n connections the server closed after they had become idle.
 *
 * Usage: node bench/idle.js --proxy 127.0.0.1:13128 --mode keepalive --n 2000
 *        [--origin 127.0.0.1:18080] [--auth user:password] [--batch 100] [--warm 50] [--hold 5]
 */
import net from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    proxy: { type: 'string' },
    origin: { type: 'string', default: '127.0.0.1:18080' },
    mode: { type: 'string', default: 'keepalive' },
    n: { type: 'string', default: '2000' },
    batch: { type: 'string', default: '100' },
    warm: { type: 'string', default: '50' },
    hold: { type: 'string', default: '5' },
    auth: { type: 'string' },
  },
});

const STEP_TIMEOUT_MS = 10_000;
const mode = values.mode;
if (!['keepalive', 'tunnel', 'direct'].includes(mode)) fail(`--mode must be keepalive, tunnel or direct`);
if (values.proxy === undefined) fail('--proxy host:port is required');
const proxy = hostPort(values.proxy);
const origin = values.origin;
const count = positive('n');
const batch = positive('batch');
const warm = Number(values.warm);
const holdSeconds = Number(values.hold);
const authHeader =
  values.auth === undefined
    ? ''
    : `Proxy-Authorization: Basic ${Buffer.from(values.auth).toString('base64')}\r\n`;

const request =
  mode === 'tunnel'
    ? `CONNECT ${origin} HTTP/1.1\r\nHost: ${origin}\r\n${authHeader}\r\n`
    : `GET http://${origin}/small.txt HTTP/1.1\r\nHost: ${origin}\r\n${authHeader}\r\n`;

/** Sockets that completed their step and are now idle. */
const idle = [];
let closedByServer = 0;
let measuring = false;

await openMany(warm);
emit({ event: 'warm', open: idle.length });
await waitForGo();
const before = idle.length;
measuring = true;
const failed = await openMany(count);
emit({ event: 'ready', open: idle.length - before, failed, closedByServer });
await new Promise((resolve) => setTimeout(resolve, holdSeconds * 1000));
emit({ event: 'done', closedByServer, held: holdSeconds });
for (const socket of idle) socket.destroy();
process.exit(0);

/** Opens `total` connections, `batch` at a time; resolves with how many failed. */
async function openMany(total) {
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < total) {
      next += 1;
      try {
        idle.push(await openOne());
      } catch {
        failures += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(batch, total) }, worker));
  return failures;
}

/** One connection, its request answered; resolves once the socket is idle. */
function openOne() {
  return new Promise((resolve, reject) => {
    const socket = net.connect(proxy.port, proxy.host);
    let received = Buffer.alloc(0);
    let settled = false;
    const timer = setTimeout(() => finish(new Error('timeout')), STEP_TIMEOUT_MS);
    const finish = (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      if (err === undefined) {
        socket.on('data', () => {}); // an idle socket must not buffer anything unread
        const counted = measuring;
        socket.on('close', () => {
          if (counted) closedByServer += 1;
        });
        resolve(socket);
      } else {
        socket.destroy();
        reject(err);
      }
    };
    const onData = (chunk) => {
      received = Buffer.concat([received, chunk]);
      const answer = answered(received);
      if (answer === 'incomplete') return;
      finish(answer === 'ok' ? undefined : new Error(answer));
    };
    socket.on('data', onData);
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error('closed before the answer')));
    socket.on('connect', () => socket.write(request));
  });
}

/** 'ok' when the whole answer is in (head, and the body for a GET), 'incomplete', or an error text. */
function answered(bytes) {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return 'incomplete';
  const head = bytes.subarray(0, end).toString('latin1');
  const status = /^HTTP\/1\.[01] (\d{3})/u.exec(head)?.[1];
  if (status !== '200') return `status ${status ?? '?'}`;
  if (mode === 'tunnel') return 'ok';
  const body = bytes.length - end - 4;
  const length = /\r\ncontent-length:\s*(\d+)/iu.exec(head)?.[1];
  if (length !== undefined) return body >= Number(length) ? 'ok' : 'incomplete';
  if (/\r\ntransfer-encoding:\s*chunked/iu.test(head)) {
    return bytes.subarray(end).includes('\r\n0\r\n\r\n') ? 'ok' : 'incomplete';
  }
  return 'no length: the proxy will close this connection';
}

function waitForGo() {
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() === 'go') {
        lines.close();
        resolve();
      }
    });
  });
}

function emit(record) {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

function hostPort(text) {
  const i = text.lastIndexOf(':');
  return { host: text.slice(0, i).replace(/^\[|\]$/gu, ''), port: Number(text.slice(i + 1)) };
}

function positive(name) {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer`);
  return n;
}

function fail(message) {
  process.stderr.write(`idle.js: ${message}\n`);
  process.exit(2);
}

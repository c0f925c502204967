import http from 'node:http';
import net from 'node:net';
import type { ProxySettings } from '../../src/config/types.js';
import { createProxyServer, type ProxyServer, type ProxyServerOptions } from '../../src/proxy/server.js';
import type { Policy } from '../../src/rules/decision.js';
import { ManualClock } from '../../src/util/clock.js';
import type { Logger } from '../../src/util/logger.js';

export const KiB = 1024;

export const testSettings: ProxySettings = {
  addr: { host: '127.0.0.1', port: 0 },
  dialTimeout: 2_000,
  connectPorts: [443],
  idleTimeout: 30_000,
  readTimeout: 10_000,
  writeTimeout: 30_000,
  maxHeaderSize: 16 * KiB,
  maxConnectionsPerAddress: 256,
  // The test origins listen on loopback, which the proxy refuses by default.
  allowInternal: ['127.0.0.0/8', '::1/128'],
};

/** A Logger that keeps what it is given. */
export class MemoryLog implements Logger {
  readonly lines: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
  info(msg: string, fields: Record<string, unknown> = {}): void {
    this.lines.push({ level: 'info', msg, fields });
  }
  warn(msg: string, fields: Record<string, unknown> = {}): void {
    this.lines.push({ level: 'warn', msg, fields });
  }
  error(msg: string, fields: Record<string, unknown> = {}): void {
    this.lines.push({ level: 'error', msg, fields });
  }
  access(): Array<Record<string, unknown>> {
    return this.lines.filter((l) => l.msg === 'access').map((l) => l.fields);
  }
}

export interface TestProxy {
  readonly proxy: ProxyServer;
  readonly port: number;
  readonly log: MemoryLog;
  readonly clock: ManualClock;
  close(): Promise<void>;
}

export async function startTestProxy(
  policy: Policy,
  settings: Partial<ProxySettings> = {},
  extra: Partial<Pick<ProxyServerOptions, 'apiUrl' | 'sleep' | 'maxAgents'>> = {},
): Promise<TestProxy> {
  const log = new MemoryLog();
  const clock = new ManualClock('2026-03-02T10:00:00Z');
  const proxy = createProxyServer({
    policy,
    settings: { ...testSettings, ...settings },
    clock,
    log,
    ...extra,
  });
  const address = await proxy.listen({ host: '127.0.0.1', port: 0 });
  return { proxy, port: address.port, log, clock, close: () => proxy.close(200) };
}

export interface ProxiedResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body arrived whole (false when the proxy cut it). */
  readonly complete: boolean;
}

export interface ProxiedRequest {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer;
  /** An agent to reuse one client connection, or false for a fresh one. */
  readonly agent?: http.Agent | false;
  /** Client source address (any 127/8 address on loopback). */
  readonly localAddress?: string;
}

/** Sends an absolute-URI request through the proxy and collects the answer. */
export function viaProxy(port: number, url: string, options: ProxiedRequest = {}): Promise<ProxiedResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: url,
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        agent: options.agent ?? false,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        let settled = false;
        const done = () => {
          if (settled) return;
          settled = true;
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts),
            complete: res.complete,
          });
        };
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Writes raw bytes to the proxy and returns everything it answers until it closes (or `waitMs`). */
export function rawExchange(port: number, data: string | Buffer, waitMs = 2_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(data));
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    socket.on('error', () => {});
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

export interface OpenTunnel {
  readonly socket: net.Socket;
  /** The proxy's answer head (status line and headers). */
  readonly head: string;
  readonly status: number;
  /** Bytes that came after the head (the start of the tunnel, or an error body). */
  readonly rest: Buffer;
}

/** Sends CONNECT and waits for the answer head; the socket stays open for the tunnel. */
export function openTunnel(
  port: number,
  authority: string,
  headers: Record<string, string> = {},
  localAddress?: string,
): Promise<OpenTunnel> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({
      port,
      host: '127.0.0.1',
      ...(localAddress === undefined ? {} : { localAddress }),
    });
    let got = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      const head = got.subarray(0, end).toString('latin1');
      resolve({ socket, head, status: Number(head.split(' ')[1]), rest: got.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${lines.join('')}\r\n`);
  });
}

/** Reads from a socket until it closes; resolves with everything read. */
export function readToClose(socket: net.Socket, already: Buffer = Buffer.alloc(0)): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [already];
    socket.on('data', (d: Buffer) => parts.push(d));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(parts)));
    socket.resume();
  });
}

/** Resolves once `predicate` holds, checking on each turn of the event loop (no fixed sleeps). */
export async function until(predicate: () => boolean, what: string, limitMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * http-proxy (http-party) behind a node:http server, with a keep-alive upstream agent as its issues
 * advise. It has no CONNECT: the bench skips tunnels for it.
 * Usage: node --import tsx bench/alternatives/http-proxy.ts [port]
 */
import http from 'node:http';
import httpProxy from 'http-proxy';
import { exitOnSignals, listenPort } from './listen-port.js';

const port = listenPort(18093);
const proxy = httpProxy.createProxyServer({ agent: new http.Agent({ keepAlive: true, maxSockets: 512 }) });

// Without this listener an upstream reset crashes the process (http-proxy #527).
proxy.on('error', (_err, _req, res) => {
  if (res instanceof http.ServerResponse) {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  } else {
    res.destroy();
  }
});

const server = http.createServer((req, res) => {
  let target: URL;
  try {
    target = new URL(req.url ?? '');
  } catch {
    res.writeHead(400).end('absolute URI expected\n');
    return;
  }
  proxy.web(req, res, { target: target.origin });
});

server.keepAliveTimeout = 300_000;
exitOnSignals();
server.listen(port, '127.0.0.1', () => process.stdout.write(`http-proxy listening on 127.0.0.1:${port}\n`));

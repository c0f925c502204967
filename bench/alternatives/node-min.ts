/**
 * The smallest honest forward proxy on Node's own http and net (perf-security.md §A3.8): absolute-URI
 * requests over a keep-alive upstream pool, CONNECT tunnels, nothing else. It is the floor of what
 * any Node proxy costs per request and per byte; pmproxy's overhead is measured against it.
 * Usage: node --import tsx bench/alternatives/node-min.ts [port]
 */
import http from 'node:http';
import net from 'node:net';
import { endToEndHeaders } from './hop-by-hop.js';
import { exitOnSignals, listenPort } from './listen-port.js';

const port = listenPort(18091);
const upstreamPool = new http.Agent({ keepAlive: true, maxSockets: 512 });

const server = http.createServer((req, res) => {
  let target: URL;
  try {
    target = new URL(req.url ?? '');
  } catch {
    res.writeHead(400).end('absolute URI expected\n');
    return;
  }
  const upstream = http.request(
    {
      host: target.hostname,
      port: target.port === '' ? 80 : Number(target.port),
      method: req.method,
      path: `${target.pathname}${target.search}`,
      headers: endToEndHeaders(req.headers),
      agent: upstreamPool,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, endToEndHeaders(answer.headers));
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
});

server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
  client.on('error', () => client.destroy());
  let target: URL;
  try {
    target = new URL(`http://${req.url ?? ''}`);
  } catch {
    client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    return;
  }
  const upstream = net.connect(Number(target.port === '' ? 443 : target.port), target.hostname, () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
});

server.keepAliveTimeout = 300_000;
exitOnSignals();
server.listen(port, '127.0.0.1', () => process.stdout.write(`node-min listening on 127.0.0.1:${port}\n`));

/**
 * proxy-chain (Apify) with its defaults, as the design first proposed for CONNECT and plain HTTP.
 * Note the defaults: no authentication, CONNECT to any host and port, Node's 5 s keep-alive timeout.
 * Usage: node --import tsx bench/alternatives/proxy-chain.ts [port]
 */
import { Server } from 'proxy-chain';
import { exitOnSignals, listenPort } from './listen-port.js';

const port = listenPort(18092);
const server = new Server({ port, host: '127.0.0.1', verbose: false });

exitOnSignals();
await server.listen();
process.stdout.write(`proxy-chain listening on 127.0.0.1:${port}\n`);

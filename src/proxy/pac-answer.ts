import type http from 'node:http';
import { PAC_CONTENT_TYPE, PAC_PATHS, pacScript, proxyHostFor, requestedHost } from './pac.js';
import type { ProxyRuntime } from './runtime.js';

/**
 * `GET /proxy.pac` and `GET /wpad.dat` asked of the proxy itself (origin-form, on its own port):
 * answered over plain HTTP, so a browser configures itself before it trusts the gateway's
 * certificate, and WPAD (which only ever fetches http://…/wpad.dat) works. True when answered.
 */
export function servePac(rt: ProxyRuntime, req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const target = req.url ?? '';
  // Every proxied request passes here: absolute URLs leave at the first character.
  if (!target.startsWith('/')) return false;
  const query = target.indexOf('?');
  if (!PAC_PATHS.has(query === -1 ? target : target.slice(0, query))) return false;
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('only GET and HEAD\n');
    return true;
  }
  const settings = rt.settings;
  const host = proxyHostFor(settings.addr, req.headers.host ?? '');
  if (host === undefined) {
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('the Host header is not a host name or an IP address\n');
    return true;
  }
  const port = req.socket.localPort ?? settings.addr.port;
  const api = rt.apiUrl === undefined ? undefined : requestedHost(new URL(rt.apiUrl).host);
  const body = Buffer.from(pacScript(`${host}:${port}`, api === undefined ? [host] : [host, api]));
  res.writeHead(200, {
    'Content-Type': PAC_CONTENT_TYPE,
    'Content-Length': body.length,
    'Cache-Control': 'max-age=300',
  });
  res.end(head ? undefined : body);
  return true;
}

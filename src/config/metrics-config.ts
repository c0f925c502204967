import type { ListenAddress } from './types.js';
import type { TableReader } from './table-reader.js';
import { parseListenAddress } from './server-config.js';

/** `[metrics]` of server.toml. */
export interface MetricsSettings {
  /** `[metrics.server] addr`: a plain-HTTP listener of its own for /metrics, beside the API's. */
  readonly server?: { readonly addr: ListenAddress };
}

export function readMetrics(t: TableReader): MetricsSettings {
  const server = t.table('server');
  t.done();
  if (server === undefined) return {};
  const text = server.string('addr', { required: true, nonEmpty: true });
  server.done();
  if (text === undefined) return {};
  const addr = parseListenAddress(text);
  if (typeof addr === 'string') {
    server.issues.add(server.keyPath('addr'), addr);
    return {};
  }
  return { server: { addr } };
}

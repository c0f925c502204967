import https from 'node:https';
import { LOOPBACK } from '../lib/layout.js';
import { openDescriptors, rssBytes } from '../lib/proc-stats.js';

/** What a server holds, before and after a series of reloads: memory and open descriptors. */

export interface Holdings {
  readonly rssBytes: number;
  /** Entries of /proc/PID/fd over the process and its children (Squid's helpers). */
  readonly handles: number;
}

export function holdings(pid: number): Holdings {
  return { rssBytes: rssBytes(pid), handles: openDescriptors(pid) };
}

/** pmproxy_reloads_total by result, from /metrics on the API listener (self-signed; loopback may scrape). */
export function reloadCounters(apiPort: number): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      { host: LOOPBACK, port: apiPort, path: '/metrics', rejectUnauthorized: false, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`/metrics answered ${res.statusCode}`));
          const counters: Record<string, number> = {};
          for (const match of text.matchAll(/^pmproxy_reloads_total\{result="(\w+)"\} (\d+)$/gmu)) {
            counters[match[1]!] = Number(match[2]);
          }
          resolve(counters);
        });
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('/metrics did not answer in 10 s')));
    req.on('error', reject);
  });
}

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayMetrics } from '../../src/metrics/gateway-metrics.js';
import type { AccessRecord } from '../../src/proxy/access-record.js';

function record(i: number): AccessRecord {
  return {
    time: Date.now(),
    elapsedMs: i % 700,
    client: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    user: `user${i}`,
    method: i % 3 === 0 ? 'CONNECT' : 'GET',
    url: `http://host${i % 1000}.example/${i}`,
    host: `host${i % 1000}.example`,
    port: 443,
    httpVersion: '1.1',
    status: [200, 403, 407, 502][i % 4] ?? 200,
    down: i,
    up: 1,
    result: i % 4 === 1 ? 'false' : 'true',
    decidedBy: i % 4 === 1 ? 'down' : undefined,
    peer: undefined,
    contentType: undefined,
    userAgent: undefined,
    referer: undefined,
    end: undefined,
    error: undefined,
  };
}

/** Sample lines (series) in the text exposition, comments left out. */
async function seriesCount(metrics: GatewayMetrics): Promise<number> {
  const text = await metrics.registry.metrics();
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
}

describe('gateway metrics', () => {
  it('make no more series for 10 000 users, addresses and 1 000 hosts than for 40 requests', async () => {
    const few = new GatewayMetrics();
    for (let i = 0; i < 40; i++) few.access(record(i));
    const many = new GatewayMetrics();
    let down = 0;
    for (let i = 0; i < 10_000; i++) {
      many.access(record(i));
      down += i;
    }
    const series = await seriesCount(many);
    assert.equal(series, await seriesCount(few));
    assert.ok(series <= 300, `${series} series`);
    const text = await many.registry.metrics();
    assert.doesNotMatch(text, /user\d|host\d|10\.0\./u, 'no user, host or address in any label');
    assert.match(text, new RegExp(`^pmproxy_proxy_bytes_total\\{direction="down"\\} ${down}$`, 'mu'));
    assert.match(text, /^pmproxy_decisions_total\{surface="proxy",result="denied",manager="down"\} 2500$/mu);
  });
});

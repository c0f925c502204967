import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { combinedLine, jsonAccessLine, squidLine } from '../../src/proxy/access-formats.js';
import type { AccessRecord } from '../../src/proxy/access-record.js';

const BASE: AccessRecord = {
  time: Date.UTC(2026, 11, 2, 13, 50, 0, 7),
  elapsedMs: 150,
  client: '10.1.2.3',
  user: 'alice',
  method: 'GET',
  url: 'http://example.org/a/b?c=d',
  host: 'example.org',
  port: 80,
  httpVersion: '1.1',
  status: 200,
  down: 1024,
  up: 0,
  result: 'true',
  decidedBy: undefined,
  peer: 'example.org',
  contentType: 'text/html',
  userAgent: 'curl/8.5.0',
  referer: undefined,
  end: undefined,
  error: undefined,
};

describe('access log formats', () => {
  it("writes Squid's native format: time.ms, elapsed, client, code/status, bytes, method, URL, user, hierarchy, type", () => {
    assert.equal(
      squidLine(BASE),
      '1796219400.007    150 10.1.2.3 TCP_MISS/200 1024 GET http://example.org/a/b?c=d alice HIER_DIRECT/example.org text/html\n',
    );
  });

  it('says TCP_DENIED, TCP_TUNNEL, _ABORTED, NONE and FIRST_PARENT_MISS as Squid does', () => {
    const denied = squidLine({
      ...BASE,
      result: 'false',
      status: 403,
      down: 0,
      user: undefined,
      peer: undefined,
      contentType: undefined,
    });
    assert.match(denied, / TCP_DENIED\/403 0 GET http:\/\/example\.org\/a\/b\?c=d - HIER_NONE\/- -\n$/u);
    const tunnel = squidLine({ ...BASE, method: 'CONNECT', url: 'example.org:443', contentType: undefined });
    assert.match(
      tunnel,
      / TCP_TUNNEL\/200 1024 CONNECT example\.org:443 alice HIER_DIRECT\/example\.org -\n$/u,
    );
    assert.match(squidLine({ ...BASE, end: 'client-closed' }), / TCP_MISS_ABORTED\/200 /u);
    assert.match(squidLine({ ...BASE, status: 0, result: 'rejected' }), / NONE\/000 /u);
    assert.match(
      squidLine({ ...BASE, peer: 'parent:proxy.example:3128' }),
      / FIRST_PARENT_MISS\/proxy\.example:3128 /u,
    );
    assert.match(squidLine({ ...BASE, result: 'port-refused', status: 403 }), / TCP_DENIED\/403 /u);
  });

  it('keeps one request on one line, whatever a client put in its URL or headers', () => {
    const line = squidLine({ ...BASE, url: 'http://x/a b\r\nforged 1 2 3', user: 'al ice' });
    assert.equal(line.split('\n').length, 2);
    assert.equal(
      line
        .trimEnd()
        .split(' ')
        .filter((f) => f !== '').length,
      10,
    );
    assert.match(line, /http:\/\/x\/a%20b%0D%0Aforged%201%202%203 al%20ice /u);
    const combined = combinedLine({ ...BASE, userAgent: 'evil"\n 200 "x', referer: 'http://r/"' });
    assert.equal(combined.split('\n').length, 2);
    assert.match(combined, /"evil\\" 200 \\"x"\n$/u);
  });

  it("writes Apache's combined format", () => {
    assert.equal(
      combinedLine(BASE),
      '10.1.2.3 - alice [02/Dec/2026:13:50:00 +0000] "GET http://example.org/a/b?c=d HTTP/1.1" 200 1024 "-" "curl/8.5.0"\n',
    );
    assert.match(combinedLine({ ...BASE, down: 0, user: undefined }), /^10\.1\.2\.3 - - .* 200 - "-"/u);
  });

  it("writes JSON lines in the event log's shape, with the URL", () => {
    const parsed = JSON.parse(jsonAccessLine(BASE)) as Record<string, unknown>;
    assert.equal(parsed['msg'], 'access');
    assert.equal(parsed['url'], BASE.url);
    assert.equal(parsed['down'], 1024);
    assert.equal(parsed['time'], BASE.time);
    assert.equal('decidedBy' in parsed, false, 'undefined fields are left out');
  });
});

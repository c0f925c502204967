import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Issues, formatIssue } from '../../src/config/issues.js';
import { TableReader, type TomlTable } from '../../src/config/table-reader.js';
import { parentProxy, parseProxyURL, type ParentProxyConfig } from '../../src/managers/parent-proxy.js';
import type { RequestContext, Services } from '../../src/managers/types.js';

function parse(table: TomlTable): { config: ParentProxyConfig | undefined; errors: string[] } {
  const issues = new Issues('managers.toml');
  const config = parentProxy.parse(new TableReader(table, 'parentProxy[0]', issues));
  return { config, errors: issues.list.map(formatIssue) };
}

const ctx: RequestContext = { surface: 'proxy', clientIp: '127.0.0.1', at: new Date(0), users: new Map() };
// parentProxy uses no service; an empty object stands in for the ones it never touches.
const services = {} as Services;

describe('parentProxy', () => {
  it('accepts http and socks5 URLs, with or without credentials', () => {
    for (const text of [
      'http://proxy.example:3128',
      'http://u:p%40ss@10.0.0.1:8080/',
      'socks5://127.0.0.1:1080',
      'socks5://u:p@[::1]:1080',
    ]) {
      const { config, errors } = parse({ name: 'up', proxyURL: text });
      assert.deepEqual(errors, [], text);
      assert.equal(config?.proxyURL.href.replace(/\/$/u, ''), text.replace(/\/$/u, ''));
    }
  });

  it('refuses other schemes, missing ports, paths and junk, naming the key', () => {
    const cases: [string, RegExp][] = [
      ['https://proxy:443', /scheme "https" is not supported/u],
      ['socks4://proxy:1080', /scheme "socks4" is not supported/u],
      ['http://proxy', /must be http:\/\/\[user:pass@\]host:port/u],
      ['http://proxy:3128/path', /must be http/u],
      ['http://proxy:70000', /port 70000 is out of range/u],
      ['proxy:3128', /scheme "proxy" is not supported/u],
      ['not a url', /must be http/u],
    ];
    for (const [text, message] of cases) {
      const { config, errors } = parse({ name: 'up', proxyURL: text });
      assert.equal(config, undefined, text);
      assert.equal(errors.length, 1, `${text}: ${errors.join('\n')}`);
      assert.match(errors[0] ?? '', /^managers\.toml: parentProxy\[0\]\.proxyURL: /u);
      assert.match(errors[0] ?? '', message);
    }
  });

  it('never shows the password in messages or settings', () => {
    assert.doesNotMatch(String(parseProxyURL('http://user:secret@proxy/x')), /secret/u);
    const { config } = parse({ name: 'up', proxyURL: 'http://user:secret@proxy:3128' });
    assert.ok(config !== undefined);
    const manager = parentProxy.create(config, services);
    assert.doesNotMatch(JSON.stringify(manager.settings()), /secret/u);
  });

  it('reports unknown keys and a missing proxyURL', () => {
    const { errors } = parse({ name: 'up', url: 'http://p:1' });
    assert.deepEqual(errors, [
      'managers.toml: parentProxy[0].proxyURL: is required',
      'managers.toml: parentProxy[0].url: unknown key',
    ]);
  });

  it('always matches, routing through the parent', async () => {
    const { config } = parse({ name: 'up', proxyURL: 'socks5://127.0.0.1:1080' });
    assert.ok(config !== undefined);
    const verdict = await parentProxy.create(config, services).test(ctx);
    assert.equal(verdict.match, true);
    assert.ok(verdict.effect?.kind === 'route');
    assert.equal(verdict.effect.route.manager, 'up');
    assert.equal(verdict.effect.route.parentProxy?.href, 'socks5://127.0.0.1:1080');
    assert.equal(verdict.effect.route.localAddress, undefined);
  });
});

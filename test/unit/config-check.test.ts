import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checkConfig } from '../../src/cli/check-config.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'config');

describe('check-config', () => {
  it("passes pmproxy's README configuration, listing its warnings", async () => {
    const { ok, output } = await checkConfig(join(fixtures, 'pmproxy-seed'));
    assert.equal(ok, true, output);
    const lines = output.trimEnd().split('\n');
    assert.ok(
      lines.some((l) => /^warning: server\.toml:11: api\.server\.fastOrStd: /u.test(l)),
      output,
    );
    assert.ok(
      lines.some((l) => /^warning: managers\.toml:17: mapDB\.userPass\.user0: /u.test(l)),
      output,
    );
    assert.match(lines.at(-1) ?? '', /is valid \(4 warnings\)$/u);
  });

  it('lists every error, one per line, and a summary', async () => {
    const { ok, output } = await checkConfig(join(fixtures, 'many-errors'));
    assert.equal(ok, false);
    const lines = output.trimEnd().split('\n');
    assert.ok(lines.includes('server.toml:5: api.colour: unknown key'), output);
    assert.ok(
      lines.some((l) => /^managers\.toml:10: rangeIPM\[0\]\.cidr/u.test(l)),
      output,
    );
    assert.match(lines.at(-1) ?? '', /has \d+ errors and 0 warnings$/u);
  });

  it('refuses what the server refuses at start: a domainsFile that does not exist', async () => {
    const cfg = writeConfigDir(`
rule = "blocked"
[[hostMatcher]]
name = "blocked"
domainsFile = "blocked-domains.txt"
`);
    try {
      const { ok, output } = await checkConfig(cfg.dir);
      assert.equal(ok, false, output);
      assert.match(
        output,
        /blocked-domains\.txt: cannot be read \(no such file\); it is domainsFile of hostMatcher "blocked"/u,
      );
      assert.match(output.trimEnd().split('\n').at(-1) ?? '', /has 1 error and 0 warnings$/u);
      await assert.rejects(startGateway(cfg.dir), /blocked-domains\.txt: cannot be read/u);
    } finally {
      cfg.cleanup();
    }
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checkConfig } from '../../src/cli/check-config.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'config');

describe('check-config', () => {
  it("passes pmproxy's README configuration, listing its warnings", () => {
    const { ok, output } = checkConfig(join(fixtures, 'pmproxy-seed'));
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

  it('lists every error, one per line, and a summary', () => {
    const { ok, output } = checkConfig(join(fixtures, 'many-errors'));
    assert.equal(ok, false);
    const lines = output.trimEnd().split('\n');
    assert.ok(lines.includes('server.toml:5: api.colour: unknown key'), output);
    assert.ok(
      lines.some((l) => /^managers\.toml:10: rangeIPM\[0\]\.cidr/u.test(l)),
      output,
    );
    assert.match(lines.at(-1) ?? '', /has \d+ errors and 0 warnings$/u);
  });
});

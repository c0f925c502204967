import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatSize, formatSizeGo, parseSize } from '../../src/util/size.js';

describe('sizes people read', () => {
  it('a configured "1 GB" reads "1.0 GB", not "1024.0 MB"', () => {
    const cases: [string, string][] = [
      ['0 B', '0 B'],
      ['1023 B', '1023 B'],
      ['1 KB', '1.0 KB'],
      ['1536 B', '1.5 KB'],
      ['100 MB', '100.0 MB'],
      ['1 GB', '1.0 GB'],
      ['1024 GB', '1.0 TB'],
    ];
    for (const [configured, shown] of cases) assert.equal(formatSize(parseSize(configured) as number), shown);
  });

  it("keeps the Go original's form for its clients", () => {
    assert.equal(formatSizeGo(parseSize('1 GB') as number), '1024.0 MB');
    assert.equal(formatSizeGo(1024), '1024 B');
  });
});

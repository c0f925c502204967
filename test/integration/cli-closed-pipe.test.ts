import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startGateway, repoRoot, writeConfigDir } from '../helpers/gateway.js';

const MANAGERS = `
rule = "down"
[sqlDB]
name = "local"
[sqlDB.seed.userPass]
bob = "bob-password"
[sqlDB.seed.userGroup]
bob = ["staff"]
[[dwnConsR]]
name = "down"
userDBN = "local"
resetCycle = "24h"
[dwnConsR.groupQuota]
staff = "10 MB"
`;

/** Runs a command from the sources with its standard output closed before it writes anything. */
function runIntoClosedPipe(script: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, script), ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reader goes away at once, as `head -1` does after its first line.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('commands writing into a closed pipe', () => {
  it('pmproxy help exits quietly', async () => {
    const { code, stderr } = await runIntoClosedPipe('src/cli/pmproxy.ts', ['help']);
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });

  it('pmproxy quota show exits quietly', async () => {
    const cfg = writeConfigDir(MANAGERS);
    try {
      // A first start seeds bob into the store.
      await (await startGateway(cfg.dir)).stop(0);
      const { code, stderr } = await runIntoClosedPipe('src/cli/pmproxy.ts', [
        'quota',
        'show',
        'bob',
        '--config',
        cfg.dir,
      ]);
      // Only the note that no server runs (the figures come from the store): no EPIPE, no stack.
      assert.match(stderr, /^pmproxy: no server runs on this store[^\n]*\n$/u);
      assert.equal(code, 0);
    } finally {
      cfg.cleanup();
    }
  });

  it('pmcl help exits quietly', async () => {
    const { code, stderr } = await runIntoClosedPipe('src/cli/pmcl.ts', ['help']);
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
});

// Checks that the committed parser matches its grammar: regenerates it with the pinned nearleyc
// into a temporary file and compares the bytes. Part of `npm test`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const grammar = join(root, 'grammar', 'rule.ne');
const committed = join(root, 'src', 'rules', 'grammar.generated.ts');
const nearleyc = createRequire(import.meta.url).resolve('nearley/bin/nearleyc.js');

const dir = mkdtempSync(join(tmpdir(), 'pmproxy-grammar-'));
try {
  const fresh = join(dir, 'grammar.generated.ts');
  execFileSync(process.execPath, [nearleyc, grammar, '-o', fresh], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let current;
  try {
    current = readFileSync(committed);
  } catch {
    current = undefined;
  }
  if (current === undefined || !current.equals(readFileSync(fresh))) {
    const what = current === undefined ? 'is missing' : `does not match ${relative(root, grammar)}`;
    console.error(`${relative(root, committed)} ${what}: run npm run grammar`);
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../../src/cli/node-flags.js';

const root = join(import.meta.dirname, '..', '..');
const read = (file: string): string => readFileSync(join(root, file), 'utf8');

/** Where the server is started from outside the code: each must pass the same flags and variables. */
const LAUNCHERS: readonly [string, string][] = [
  ['package.json start', (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start],
  ['bin/pmproxy.js', read('bin/pmproxy.js').split('\n')[0] ?? ''],
  [
    'systemd/pmproxy.service',
    read('systemd/pmproxy.service')
      .split('\n')
      .filter((l) => l.startsWith('ExecStart=') || l.startsWith('Environment='))
      .join('\n'),
  ],
];

describe('the server is launched alike everywhere', () => {
  for (const [where, text] of LAUNCHERS) {
    it(`${where} passes the node flags and the environment`, () => {
      for (const flag of SERVER_NODE_FLAGS) assert.ok(text.includes(flag), `${where} lacks ${flag}`);
      for (const [name, value] of Object.entries(SERVER_ENV)) {
        assert.ok(text.includes(`${name}=${value}`), `${where} lacks ${name}=${value}`);
      }
    });
  }
});

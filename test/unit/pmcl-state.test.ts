import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadState, saveState, statePath, StateFileError, EMPTY_STATE } from '../../src/cli/pmcl/state.js';
import { pmclHome } from '../helpers/pmcl.js';

describe('pmcl state file', () => {
  it('lives under XDG_CONFIG_HOME, else ~/.config', () => {
    assert.equal(statePath({ XDG_CONFIG_HOME: '/x/cfg', HOME: '/h' }), '/x/cfg/pmcl/state.json');
    assert.equal(statePath({ HOME: '/h' }), '/h/.config/pmcl/state.json');
    // The XDG spec: a relative path is invalid and ignored.
    assert.equal(statePath({ XDG_CONFIG_HOME: 'rel', HOME: '/h' }), '/h/.config/pmcl/state.json');
  });

  it('is written owner-only, and read back as written', () => {
    const home = pmclHome();
    try {
      const path = statePath(home.env);
      assert.deepEqual(loadState(path), EMPTY_STATE);
      const state = {
        server: 'https://127.0.0.1:4443',
        session: {
          server: 'https://127.0.0.1:4443',
          token: 't',
          user: 'alice',
          manager: 'sessions',
          expires: '2030-01-01T00:00:00.000Z',
        },
        trust: { '127.0.0.1:4443': { pin: `AB${':AB'.repeat(31)}` } },
      };
      saveState(path, state);
      assert.deepEqual(loadState(path), state);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(statSync(dirname(path)).mode & 0o777, 0o700);
    } finally {
      home.cleanup();
    }
  });

  it('tightens a directory that was left open', () => {
    const home = pmclHome();
    try {
      const path = statePath(home.env);
      mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
      saveState(path, EMPTY_STATE);
      assert.equal(statSync(dirname(path)).mode & 0o777, 0o700);
      assert.match(readFileSync(path, 'utf8'), /"trust"/u);
    } finally {
      home.cleanup();
    }
  });

  it('reports a damaged file instead of overwriting it', () => {
    const home = pmclHome();
    try {
      const path = join(home.dir, 'state.json');
      for (const text of ['{', '[]', '{"trust":{"h:1":{"pin":"zz"}}}', '{"session":{"token":1}}']) {
        writeFileSync(path, text);
        assert.throws(() => loadState(path), StateFileError, text);
      }
    } finally {
      home.cleanup();
    }
  });
});

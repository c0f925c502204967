import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inheritedSockets } from '../../src/server/inherited-sockets.js';

const mine = (fds: number, names?: string): NodeJS.ProcessEnv => ({
  LISTEN_PID: String(process.pid),
  LISTEN_FDS: String(fds),
  ...(names === undefined ? {} : { LISTEN_FDNAMES: names }),
});

describe('socket activation', () => {
  it('takes named sockets by name, and unnamed ones in the order proxy, api, files, metrics', () => {
    assert.deepEqual(
      [...inheritedSockets(mine(2, 'api:proxy'))],
      [
        ['api', 3],
        ['proxy', 4],
      ],
    );
    assert.deepEqual(
      [...inheritedSockets(mine(2, 'pmproxy.socket:pmproxy.socket'))],
      [
        ['proxy', 3],
        ['api', 4],
      ],
    );
    assert.deepEqual(
      [...inheritedSockets(mine(3))],
      [
        ['proxy', 3],
        ['api', 4],
        ['files', 5],
      ],
    );
    assert.deepEqual([...inheritedSockets(mine(3, 'x:proxy:y'))].sort(), [
      ['api', 3],
      ['files', 5],
      ['proxy', 4],
    ]);
  });

  it('ignores sockets meant for another process, and removes the variables either way', () => {
    const env = { LISTEN_PID: String(process.pid + 1), LISTEN_FDS: '2', LISTEN_FDNAMES: 'proxy:api' };
    assert.equal(inheritedSockets(env).size, 0);
    assert.deepEqual(env, {});
    assert.equal(inheritedSockets({}).size, 0);
    const used = mine(1);
    inheritedSockets(used);
    assert.deepEqual(used, {});
  });

  it('refuses two sockets for one listener and more sockets than listeners', () => {
    assert.throws(() => inheritedSockets(mine(2, 'proxy:proxy')), /two sockets named "proxy"/u);
    assert.throws(() => inheritedSockets(mine(5)), /passed 5 sockets; pmproxy has 4 listeners/u);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatClamdAddress, parseClamdAddress } from '../../src/files/clamd-address.js';
import { parseInstreamReply } from '../../src/files/scan-result.js';

describe('the clamd address', () => {
  it('is a socket path when it holds a slash, host:port otherwise', () => {
    assert.deepEqual(parseClamdAddress('/run/clamav/clamd.ctl'), {
      kind: 'unix',
      path: '/run/clamav/clamd.ctl',
    });
    assert.deepEqual(parseClamdAddress('./clamd.sock'), { kind: 'unix', path: './clamd.sock' });
    assert.deepEqual(parseClamdAddress('127.0.0.1:3310'), { kind: 'tcp', host: '127.0.0.1', port: 3310 });
    assert.deepEqual(parseClamdAddress('scanner.lan:3310'), { kind: 'tcp', host: 'scanner.lan', port: 3310 });
    assert.deepEqual(parseClamdAddress('[::1]:3310'), { kind: 'tcp', host: '::1', port: 3310 });
  });

  it('refuses what is neither', () => {
    for (const bad of ['clamd.ctl', 'localhost', 'localhost:0', 'localhost:65536', '::1:3310', ':3310', '']) {
      const parsed = parseClamdAddress(bad);
      assert.ok('error' in parsed, bad);
      assert.match(parsed.error, /not a clamd address/u);
    }
  });

  it('prints back as written', () => {
    for (const text of ['/run/clamav/clamd.ctl', '127.0.0.1:3310', '[::1]:3310']) {
      const parsed = parseClamdAddress(text);
      assert.ok(!('error' in parsed));
      assert.equal(formatClamdAddress(parsed), text);
    }
  });
});

describe("clamd's INSTREAM answer", () => {
  it('reads OK, FOUND and ERROR', () => {
    assert.deepEqual(parseInstreamReply('stream: OK'), { verdict: 'clean' });
    assert.deepEqual(parseInstreamReply('stream: Win.Test.EICAR_HDB-1 FOUND'), {
      verdict: 'infected',
      signature: 'Win.Test.EICAR_HDB-1',
    });
    assert.deepEqual(parseInstreamReply('INSTREAM size limit exceeded. ERROR'), {
      verdict: 'error',
      reason: 'clamd: INSTREAM size limit exceeded.',
    });
    assert.equal(parseInstreamReply("stream: Can't allocate memory ERROR").verdict, 'error');
  });

  it('never takes an answer it does not understand for clean', () => {
    for (const odd of ['', 'OK', 'stream: ok', 'PONG', 'stream: OK extra']) {
      assert.equal(parseInstreamReply(odd).verdict, 'error', JSON.stringify(odd));
    }
  });
});

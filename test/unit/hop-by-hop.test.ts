import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relayHeaders, responseHeadLength, VIA } from '../../src/proxy/hop-by-hop.js';

describe('relayHeaders', () => {
  it('drops hop-by-hop headers and those Connection names, keeps duplicates, merges Via', () => {
    const raw = [
      'Content-Type',
      'text/plain',
      'Connection',
      'keep-alive, X-Secret',
      'X-Secret',
      'hidden',
      'Set-Cookie',
      'a=1',
      'Set-Cookie',
      'b=2',
      'Via',
      '1.0 upstream',
      'Transfer-Encoding',
      'chunked',
    ];
    assert.deepEqual(relayHeaders(raw, { drop: ['content-length'] }), [
      'Content-Type',
      'text/plain',
      'Set-Cookie',
      'a=1',
      'Set-Cookie',
      'b=2',
      'Via',
      `1.0 upstream, ${VIA}`,
    ]);
  });
});

describe('responseHeadLength', () => {
  it('is the byte count of the head as written, latin1 values included', () => {
    const headers = ['Content-Type', 'text/plain', 'X-Name', 'caf\u00e9 \u00ff', 'Via', VIA];
    let head = 'HTTP/1.1 404 Not Found\r\n';
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
    head += '\r\n';
    assert.equal(responseHeadLength(404, 'Not Found', headers), Buffer.byteLength(head, 'latin1'));
    assert.equal(responseHeadLength(200, '', []), Buffer.byteLength('HTTP/1.1 200 \r\n\r\n', 'latin1'));
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  macHex,
  signedMessage,
  verifyUploadSignature,
  type SignedUpload,
  type UploadProtocol,
} from '../../src/files/signature.js';

/** The research note's vectors (../shared/research/hmac-upload.md §2), message bytes as printf writes them. */
const UUID = '4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67';
const LONG_SECRET = 'this is a secret string!';
const EJ_PATH =
  'fc2398a73dd54d6237c4fdb58fd7d75347cf5af3/0123456789abcdefghijABCDEFGHIJ0123456789/my_file__1_.jpg';

interface Vector {
  readonly id: string;
  readonly protocol: UploadProtocol;
  readonly key: string;
  readonly upload: SignedUpload;
  /** The message written out byte for byte, independently of signedMessage. */
  readonly message: string;
  readonly mac: string;
}

const VECTORS: Vector[] = [
  {
    id: 'T1',
    protocol: 'v',
    key: 'mysecret',
    upload: { path: 'thomas/abc/catmetal.jpg', size: 23026 },
    message: 'thomas/abc/catmetal.jpg 23026',
    mac: '7b8879e2d1c733b423a70cde30cecc3a3c64a03f790d1b5bcbb2a6aca52b477e',
  },
  {
    id: 'T2',
    protocol: 'v2',
    key: 'mysecret',
    upload: { path: 'thomas/abc/catmetal.jpg', size: 23026, contentType: 'image/jpeg' },
    message: 'thomas/abc/catmetal.jpg\x0023026\x00image/jpeg',
    mac: '7318cd44d4c40731e3b2ff869f553ab2326eae631868e7b8054db20d4aee1c06',
  },
  {
    id: 'T3',
    protocol: 'v',
    key: LONG_SECRET,
    upload: { path: `${UUID}/très cool.jpg`, size: 23456 },
    message: `${UUID}/tr\xc3\xa8s cool.jpg 23456`,
    mac: '101b144f0bb522d8fee931e4460830cf5d16895daf7cfbbc5c85ee1db0a3d8ab',
  },
  {
    id: 'T4',
    protocol: 'v2',
    key: LONG_SECRET,
    upload: { path: `${UUID}/très cool.jpg`, size: 23456, contentType: 'image/jpeg' },
    message: `${UUID}/tr\xc3\xa8s cool.jpg\x0023456\x00image/jpeg`,
    mac: 'c0e6ae3bb20a20e1a454b078ce91d81b3f9783bab27d5b84da4993802ae8cad2',
  },
  {
    id: 'T5',
    protocol: 'v',
    key: 'mysecret',
    upload: { path: 'x/empty.txt', size: 0 },
    message: 'x/empty.txt 0',
    mac: '48fd6c266b37298beccd74885acb9b0b41b30853ab6c39b39a97caa607ea6cc6',
  },
  {
    id: 'T6',
    protocol: 'v2',
    key: 'mysecret',
    upload: { path: 'u/file.bin', size: 10 },
    message: 'u/file.bin\x0010\x00application/octet-stream',
    mac: 'a81f2d366259870151040d1120be8e2d77098909ff38eedfdc1b158fb818eb3b',
  },
  {
    id: 'T7a',
    protocol: 'v2',
    key: 'mysecret',
    upload: { path: 'u/a.txt', size: 5, contentType: 'text/plain' },
    message: 'u/a.txt\x005\x00text/plain',
    mac: 'ca9273d4a0dce9ef48395111a94b308f92afb848f0a1a06207c26030a6f8942e',
  },
  {
    id: 'T7b',
    protocol: 'v2',
    key: 'mysecret',
    upload: { path: 'u/a.txt', size: 5, contentType: 'text/plain; charset=utf-8' },
    message: 'u/a.txt\x005\x00text/plain; charset=utf-8',
    mac: 'a4a79cb93abf6983292ca565ab19dcedf93518565bcb62fd8c2a4c77d93fa565',
  },
  {
    id: 'T8',
    protocol: 'v',
    key: 'ejsecret',
    upload: { path: EJ_PATH, size: 1048576 },
    message: `${EJ_PATH} 1048576`,
    mac: 'a5e88b06a946e3ca6a5785602f7bdd01b9670a8b5141a5aaa61edc80e033aff1',
  },
];

/** printf's bytes: the vectors' escapes are single bytes (\xc3\xa8 is è in UTF-8). */
const bytes = (message: string): Buffer => Buffer.from(message, 'latin1');

function query(params: Record<string, string | string[]>): (name: string) => readonly string[] {
  return (name) => {
    const v = params[name];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
}

function check(
  v: Vector,
  params: Record<string, string | string[]>,
  upload: SignedUpload = v.upload,
  key = v.key,
  protocols?: readonly UploadProtocol[],
) {
  return verifyUploadSignature(query(params), upload, key, protocols);
}

describe('upload signatures: the research vectors T1–T9', () => {
  for (const v of VECTORS) {
    it(`${v.id} (${v.protocol}): the signed bytes, the MAC, and a PUT carrying it`, () => {
      assert.deepEqual(
        signedMessage(v.protocol, v.upload.path, v.upload.size, v.upload.contentType),
        bytes(v.message),
      );
      assert.equal(macHex(v.key, bytes(v.message)), v.mac);
      assert.deepEqual(check(v, { [v.protocol]: v.mac }), { ok: true, protocol: v.protocol });
      assert.deepEqual(check(v, { [v.protocol]: v.mac.toUpperCase() }), { ok: true, protocol: v.protocol });
    });
  }

  it('T2 signed with token: the same bytes as v2', () => {
    const t2 = VECTORS[1] as Vector;
    assert.deepEqual(check(t2, { token: t2.mac }), { ok: true, protocol: 'token' });
  });

  it('T7: a plain text/plain header does not verify the MAC Go computes, and the reverse', () => {
    const [t7a, t7b] = VECTORS.filter((v) => v.id.startsWith('T7')) as [Vector, Vector];
    assert.equal(check(t7a, { v2: t7b.mac }).ok, false);
    assert.equal(check(t7b, { v2: t7a.mac }).ok, false);
  });

  it('T9 (v3, hmac-file-server only): the HMAC primitive agrees, and ?v3= is no signature here', () => {
    const message = bytes('PUT\n1700000000\n/abc/file.jpg');
    const mac = '3fafbfcc26e887461f7031909e00e8695641c791d3c696084d85f1fbc9d73a0a';
    assert.equal(macHex('mysecret', message), mac);
    const result = verifyUploadSignature(
      query({ v3: mac, expires: '1700000000' }),
      { path: 'abc/file.jpg', size: 0 },
      'mysecret',
    );
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.reason, /no signature/u);
  });
});

describe('upload signatures: what must fail', () => {
  const [t1, t2, t3, t4] = VECTORS as [Vector, Vector, Vector, Vector, ...Vector[]];
  const t6 = VECTORS[5] as Vector;

  it('a size off by one, either way', () => {
    for (const size of [t1.upload.size - 1, t1.upload.size + 1]) {
      assert.equal(check(t1, { v: t1.mac }, { ...t1.upload, size }).ok, false);
      assert.equal(check(t2, { v2: t2.mac }, { ...t2.upload, size }).ok, false);
    }
  });

  it('another path: a changed letter, a "+" for the space, a leading slash, the prefix kept', () => {
    for (const path of [
      `${UUID}/tres cool.jpg`,
      `${UUID}/très+cool.jpg`,
      `/${UUID}/très cool.jpg`,
      `upload/${UUID}/très cool.jpg`,
    ]) {
      assert.equal(check(t3, { v: t3.mac }, { ...t3.upload, path }).ok, false, path);
      assert.equal(check(t4, { v2: t4.mac }, { ...t4.upload, path }).ok, false, path);
    }
  });

  it('another content type under v2 and token; v ignores the type', () => {
    const png = { ...t2.upload, contentType: 'image/png' };
    assert.equal(check(t2, { v2: t2.mac }, png).ok, false);
    assert.equal(check(t2, { token: t2.mac }, png).ok, false);
    assert.equal(check(t1, { v: t1.mac }, { ...t1.upload, contentType: 'image/png' }).ok, true);
  });

  it('v2 with no type in the slot but one on the PUT falls back to application/octet-stream', () => {
    assert.equal(check(t6, { v2: t6.mac }, { ...t6.upload, contentType: 'image/jpeg' }).ok, true);
  });

  it('the wrong secret', () => {
    assert.equal(check(t1, { v: t1.mac }, t1.upload, 'mysecret ').ok, false);
    assert.equal(check(t4, { v2: t4.mac }, t4.upload, 'this is a secret string').ok, false);
  });

  it('MACs that are not 64 hex digits: odd length, too short, too long, not hex, empty', () => {
    for (const mac of [
      t1.mac.slice(0, 63),
      t1.mac.slice(0, 62),
      `${t1.mac}0`,
      `${t1.mac}00`,
      `${t1.mac.slice(0, 63)}g`,
      `${t1.mac.slice(0, 62)} 0`,
      '',
      ' '.repeat(64),
    ]) {
      const result = check(t1, { v: mac });
      assert.equal(result.ok, false, JSON.stringify(mac));
      assert.match(result.ok ? '' : result.reason, /64 hex digits/u);
    }
  });

  it('a MAC over the path alone (hmac-file-server accepts it; research §4.1)', () => {
    const pathOnly = macHex(t1.key, Buffer.from(t1.upload.path));
    assert.equal(check(t1, { v: pathOnly }).ok, false);
    assert.equal(check(t2, { v2: pathOnly }).ok, false);
    const pathAndSize = macHex(t2.key, Buffer.from(`${t2.upload.path}\x00${t2.upload.size}`));
    assert.equal(check(t2, { v2: pathAndSize }).ok, false);
  });

  it('no signature, or the same parameter twice', () => {
    const none = check(t1, {});
    assert.equal(none.ok, false);
    assert.match(none.ok ? '' : none.reason, /no signature/u);
    const twice = check(t1, { v: [t1.mac, t1.mac] });
    assert.deepEqual(twice, { ok: false, protocol: 'v', reason: '"v" is given more than once' });
  });

  it('a size that is not a safe non-negative integer', () => {
    for (const size of [-1, 1.5, Number.NaN, 2 ** 53]) {
      assert.equal(check(t1, { v: t1.mac }, { ...t1.upload, size }).ok, false, String(size));
    }
  });
});

describe('upload signatures: several present, the strongest wins', () => {
  const [t1, t2] = VECTORS as [Vector, Vector, ...Vector[]];

  it('a good v does not rescue a bad v2 (no downgrade), and a good v2 wins over a bad v', () => {
    const both = { v: t1.mac, v2: '0'.repeat(64) };
    assert.deepEqual(check(t2, both), {
      ok: false,
      protocol: 'v2',
      reason: '"v2" does not sign this path, size and type',
    });
    assert.deepEqual(check(t2, { v: '0'.repeat(64), v2: t2.mac }), { ok: true, protocol: 'v2' });
    // v binds no type, and says so.
    assert.deepEqual(check(t1, { v: '0'.repeat(64) }), {
      ok: false,
      protocol: 'v',
      reason: '"v" does not sign this path and size',
    });
  });

  it('v2 over token over v', () => {
    assert.deepEqual(check(t2, { token: t2.mac, v: 'x' }), { ok: true, protocol: 'token' });
    assert.equal(check(t2, { token: 'x', v2: t2.mac }).ok, true);
    assert.equal(check(t2, { token: t2.mac, v2: 'x' }).ok, false);
  });

  it('only the enabled protocols count: the strongest of those present', () => {
    const both = { v: t1.mac, v2: '0'.repeat(64) };
    assert.deepEqual(check(t1, both, t1.upload, t1.key, ['v']), { ok: true, protocol: 'v' });
    const onlyV2 = check(t1, { v: t1.mac }, t1.upload, t1.key, ['v2', 'token']);
    assert.equal(onlyV2.ok, false);
    assert.match(onlyV2.ok ? '' : onlyV2.reason, /no signature \(\?v2=, \?token=\)/u);
  });
});

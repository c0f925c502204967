import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { Gateway } from '../../src/server/gateway.js';
import { startGateway, testServerToml, writeConfigDir } from '../helpers/gateway.js';
import {
  prosodyMissing,
  startProsody,
  type ProsodyUploadProtocol,
  type RunningProsody,
} from '../helpers/prosody.js';
import { connectXmpp, UPLOAD_NS, type UploadSlot, type XmppUploader } from '../helpers/xmpp-upload.js';

// XMPP interop: Debian's Prosody with mod_http_upload_external (from prosody-modules) hands out
// XEP-0363 slots pointing at pmproxy's file server; an XMPP client (@xmpp/client) asks for them
// and uploads the way a chat client would. Both of the module's signatures, v1 and v2, each from
// an upload component of its own, for names that percent-encoding and path decoding can get wrong.

const missing = prosodyMissing();
if (missing !== undefined && process.env['CI'] === 'true') {
  it('has Prosody to run the XMPP interop tests (CI installs prosody, prosody-modules)', () =>
    assert.fail(missing));
}

const SECRET = 'shared by Prosody and pmproxy, never sent';
const DOMAIN = 'localhost';
const USER = { username: 'juliet', password: 'capulet-balcony' };
const COMPONENTS: readonly { host: string; protocol: ProsodyUploadProtocol }[] = [
  { host: 'upload1.localhost', protocol: 'v1' },
  { host: 'upload2.localhost', protocol: 'v2' },
];
/** Prosody's default when a slot request names no type: what v2 signs, and what GET should say. */
const OCTET_STREAM = 'application/octet-stream';

/** Each is uploaded once declaring its type and once declaring none, under v1 and under v2. */
const FILES: readonly { name: string; type: string; bytes: Buffer }[] = [
  // Non-ASCII, spaces and parentheses, and more than one read's worth of bytes.
  { name: 'très cool (1).jpg', type: 'image/jpeg', bytes: randomBytes(150_000) },
  // Characters a query string or a form decoder would take apart: "+" must never become a space.
  { name: 'a b+c&d?.txt', type: 'text/plain', bytes: Buffer.from('plus, ampersand, question\n') },
  // Only non-ASCII letters, and a type with a parameter (v2 signs the whole header text).
  { name: 'ünïcødé.txt', type: 'text/plain; charset=utf-8', bytes: Buffer.from('ünïcødé\n') },
  // CJK and a character outside the BMP (four UTF-8 bytes, a surrogate pair in JavaScript).
  { name: '日本語 🙂.jpg', type: 'image/jpeg', bytes: Buffer.from('not really a jpeg') },
  // A literal "%" (must not be decoded twice), "#" and "'" and "!", and an empty file.
  { name: "it's 100% #1!.txt", type: 'text/plain', bytes: Buffer.alloc(0) },
];

const MANAGERS = 'rule = "true"\n[policy]\nupload = "signed"\n[[hmacUpload]]\nname = "signed"\n';
const SERVER_TOML = `${testServerToml()}[files]
secret = ${JSON.stringify(SECRET)}
storeDir = "files"
maxSize = "1 MB"
minFreeDisk = "0"
allowedExtensions = [".jpg", ".txt"]
`;

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** One HTTPS request to the gateway; the URL's path and query go on the request line unchanged. */
function send(
  url: string,
  ca: string,
  method: string,
  body?: Buffer,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const { hostname, port, origin } = new URL(url);
  // Not URL.pathname: the exact bytes Prosody wrote are what the file server must cope with.
  const path = url.slice(origin.length);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method, ca, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A PUT as an XMPP client sends it: the slot's size as Content-Length, the declared type if any. */
function put(url: string, ca: string, bytes: Buffer, type: string | undefined): Promise<Answer> {
  const headers: Record<string, string> = { 'content-length': String(bytes.length) };
  if (type !== undefined) headers['content-type'] = type;
  return send(url, ca, 'PUT', bytes, headers);
}

/** The MAC with one hex digit changed. */
function flipDigit(putUrl: string): string {
  const last = putUrl.at(-1) as string;
  return `${putUrl.slice(0, -1)}${last === '0' ? '1' : '0'}`;
}

/** One upload: a file, a component (so a protocol), and the type its slot request declares. */
interface UploadCase {
  readonly label: string;
  readonly component: (typeof COMPONENTS)[number];
  readonly file: (typeof FILES)[number];
  readonly declared: string | undefined;
}

const CASES: readonly UploadCase[] = COMPONENTS.flatMap((component) =>
  FILES.flatMap((file) =>
    [file.type, undefined].map((declared) => ({
      label: `${component.protocol}: "${file.name}" (${file.bytes.length} bytes, ${declared ?? 'no type declared'})`,
      component,
      file,
      declared,
    })),
  ),
);

/** What the gateway, Prosody and the logged-in client give the tests. */
interface World {
  readonly xmpp: XmppUploader;
  readonly ca: string;
  /** Prosody's `http_upload_external_base_url`: the gateway's URL and `[files] prefix`. */
  readonly baseUrl: string;
  readonly storeDir: string;
}

/**
 * Asks Prosody for a slot and checks its URLs, tries tampered PUTs (403, nothing stored), then the
 * real one (201, the bytes on disk) and a second one (409, the bytes unchanged). Returns the slot.
 */
async function uploadThroughSlot(world: World, c: UploadCase): Promise<UploadSlot> {
  const { xmpp, ca, baseUrl, storeDir } = world;
  const { name, bytes } = c.file;
  const slot = await xmpp.requestSlot(c.component.host, {
    filename: name,
    size: bytes.length,
    ...(c.declared === undefined ? {} : { contentType: c.declared }),
  });
  const param = c.component.protocol === 'v1' ? 'v' : 'v2';
  assert.ok(slot.get.startsWith(baseUrl), `get URL ${slot.get} is not under ${baseUrl}`);
  assert.ok(slot.put.startsWith(slot.get), `put URL ${slot.put} is not the get URL and a query`);
  assert.match(slot.put.slice(slot.get.length), new RegExp(`^\\?${param}=[0-9a-f]{64}$`, 'u'));
  const segments = slot.get.slice(baseUrl.length).split('/');
  assert.equal(segments.length, 2, `slot path ${slot.get}: Prosody's random part, then the name`);
  assert.equal(decodeURIComponent(segments[1] as string), name);
  // Where the store keeps it, found from the name we asked for, not from the server's decoding.
  const onDisk = join(storeDir, decodeURIComponent(segments[0] as string), name);

  // Tampering first: none of it may leave a file behind or keep the real PUT from working.
  const longer = Buffer.concat([bytes, Buffer.from('!')]);
  const wrongSize = await put(slot.put, ca, longer, c.declared);
  assert.equal(wrongSize.status, 403, `size ${longer.length} instead of ${bytes.length}`);
  const wrongMac = await put(flipDigit(slot.put), ca, bytes, c.declared);
  assert.equal(wrongMac.status, 403, 'one hex digit of the MAC changed');
  if (c.component.protocol === 'v2' && c.declared !== undefined) {
    // v2 binds the declared type; a different one on the PUT must not pass.
    const wrongType = await put(slot.put, ca, bytes, 'text/html');
    assert.equal(wrongType.status, 403, 'Content-Type text/html instead of the declared type');
  }
  assert.equal(existsSync(onDisk), false, 'a refused PUT left a file');

  const created = await put(slot.put, ca, bytes, c.declared);
  assert.equal(created.status, 201, created.body.toString());
  assert.deepEqual(readFileSync(onDisk), bytes);

  const again = await put(slot.put, ca, Buffer.alloc(bytes.length, 'x'), c.declared);
  assert.equal(again.status, 409, 'the same slot twice');
  assert.deepEqual(readFileSync(onDisk), bytes);
  return slot;
}

/** GET and HEAD of the slot's get URL, as the chat partner's client fetches the file. */
async function downloadThroughSlot(world: World, c: UploadCase, slot: UploadSlot): Promise<void> {
  const { bytes } = c.file;
  const got = await send(slot.get, world.ca, 'GET');
  assert.equal(got.status, 200, got.body.toString());
  assert.deepEqual(got.body, bytes);
  assert.equal(got.headers['content-length'], String(bytes.length));
  if (c.component.protocol === 'v2') {
    // The type the v2 MAC bound is the one stored; Prosody signed its default when none was declared.
    assert.equal(got.headers['content-type'], c.declared ?? OCTET_STREAM);
  }
  const head = await send(slot.get, world.ca, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String(bytes.length));
  assert.equal(head.body.length, 0);
}

describe(
  'file server with a real Prosody (XEP-0363, mod_http_upload_external)',
  { skip: missing ?? false },
  () => {
    let configDir: { dir: string; cleanup: () => void } | undefined;
    let gateway: Gateway | undefined;
    let prosody: RunningProsody | undefined;
    let world: World | undefined;
    /** Slots whose upload test stored the file, by case label: what the download tests read back. */
    const stored = new Map<string, UploadSlot>();

    before(async () => {
      configDir = writeConfigDir(MANAGERS, SERVER_TOML);
      gateway = await startGateway(configDir.dir);
      // Prosody's base URL must end with pmproxy's `[files] prefix` (default /upload/).
      const baseUrl = new URL('/upload/', gateway.web.url).href;
      prosody = await startProsody({
        domain: DOMAIN,
        uploadBaseUrl: baseUrl,
        secret: SECRET,
        components: COMPONENTS,
        users: [USER],
      });
      const xmpp = await connectXmpp({ service: prosody.service, domain: DOMAIN, ...USER });
      world = {
        xmpp,
        // The gateway made itself a self-signed certificate in its config dir at startup.
        ca: readFileSync(join(configDir.dir, 'cert.pem'), 'utf8'),
        baseUrl,
        storeDir: join(configDir.dir, 'files'),
      };
    });

    // Each step guards itself, so a failed start still stops whatever did start.
    after(async () => {
      await world?.xmpp.stop();
      await prosody?.stop();
      await gateway?.stop();
      configDir?.cleanup();
    });

    for (const component of COMPONENTS) {
      it(`${component.host} (${component.protocol}) announces XEP-0363 upload`, async () => {
        assert.ok(world);
        assert.ok((await world.xmpp.features(component.host)).includes(UPLOAD_NS));
      });
    }

    for (const c of CASES) {
      it(`${c.label}: PUT to the slot is 201 once, then 409; a tampered size or MAC is 403`, async () => {
        assert.ok(world);
        stored.set(c.label, await uploadThroughSlot(world, c));
      });
      it(`${c.label}: GET and HEAD of the get URL give the bytes back`, async () => {
        assert.ok(world);
        const slot = stored.get(c.label);
        assert.ok(slot, 'the upload test did not store this file');
        await downloadThroughSlot(world, c, slot);
      });
    }
  },
);

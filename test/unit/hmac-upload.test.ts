import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatIssue } from '../../src/config/issues.js';
import { inspectConfig } from '../../src/config/load.js';
import { macHex, signedMessage } from '../../src/files/signature.js';
import { hmacUpload, type HmacUploadConfig } from '../../src/managers/hmac-upload.js';
import { findKind } from '../../src/managers/registry.js';
import type {
  Manager,
  RequestContext,
  Services,
  Surface,
  UploadRequest,
  Verdict,
} from '../../src/managers/types.js';
import { messages, reader } from './identity-fixtures.js';

const FILES_SECRET = 'the secret of [files], long enough';
const OWN_SECRET = 'this is a secret string!';

function parse(values: Record<string, string | string[]>) {
  const { table, issues } = reader(values, 'hmacUpload[0]');
  const config = hmacUpload.parse(table);
  return {
    config,
    errors: messages(issues),
    warnings: issues.warnings.map((w) => `${w.path}: ${w.message}`),
  };
}

/** hmacUpload uses no service but the [files] secret. */
function make(values: Record<string, string | string[]>, filesSecret?: string): Manager {
  const { config, errors } = parse(values);
  assert.deepEqual(errors, []);
  assert.ok(config !== undefined);
  const services = (filesSecret === undefined ? {} : { filesSecret }) as Services;
  return hmacUpload.create(config, services);
}

function upload(path: string, size: number, query: string, contentType?: string): UploadRequest {
  const base = { path, size, query: new URLSearchParams(query), signedBy: new Map<string, string>() };
  return contentType === undefined ? base : { ...base, contentType };
}

function ask(manager: Manager, up?: UploadRequest, surface: Surface = 'upload'): Verdict {
  const base = { surface, clientIp: '127.0.0.1', at: new Date(0), users: new Map<string, string>() };
  const ctx: RequestContext = up === undefined ? base : { ...base, upload: up };
  const verdict = manager.test(ctx);
  assert.ok(!(verdict instanceof Promise));
  return verdict;
}

const PATH = '4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/très cool.jpg';
const sign = (secret: string, protocol: 'v' | 'v2', type?: string) =>
  macHex(secret, signedMessage(protocol, PATH, 23456, type));

describe('hmacUpload configuration', () => {
  it('is registered under its name', () => {
    assert.equal(findKind('hmacUpload'), hmacUpload);
  });

  it('defaults to the [files] secret and all three protocols, strongest first', () => {
    const { config, errors } = parse({ name: 'signed' });
    assert.deepEqual(errors, []);
    assert.deepEqual(config, { name: 'signed', protocols: ['v2', 'token', 'v'] } satisfies HmacUploadConfig);
  });

  it('takes its own secret and a subset of protocols, kept in strength order', () => {
    const { config } = parse({ name: 'signed', secret: OWN_SECRET, protocols: ['v', 'v2'] });
    assert.deepEqual(config, { name: 'signed', secret: OWN_SECRET, protocols: ['v2', 'v'] });
    assert.deepEqual(parse({ name: 's', protocols: 'token' }).config?.protocols, ['token']);
  });

  it('reports every mistake with its key path', () => {
    const { config, errors } = parse({ secret: '', protocols: ['v1', 'v2', 'v3'], ttl: '5m' });
    assert.equal(config, undefined);
    assert.deepEqual(errors, [
      'hmacUpload[0].name: is required',
      'hmacUpload[0].secret: must not be empty',
      'hmacUpload[0].protocols[0]: must be one of "v2", "token", "v", not "v1" (Prosody\'s "v1" is "v" here)',
      'hmacUpload[0].protocols[2]: must be one of "v2", "token", "v", not "v3"',
      'hmacUpload[0].ttl: unknown key',
    ]);
    assert.deepEqual(parse({ name: 's', protocols: [] }).errors, [
      'hmacUpload[0].protocols: must name at least one protocol',
    ]);
  });

  it('takes the XMPP domain it signs for, normalized, and refuses what is no domain', () => {
    assert.deepEqual(parse({ name: 'prosody', domain: 'Chat.Example.org.' }).config, {
      name: 'prosody',
      protocols: ['v2', 'token', 'v'],
      domain: 'chat.example.org',
    });
    assert.equal(parse({ name: 'p', domain: 'bücher.example' }).config?.domain, 'xn--bcher-kva.example');
    for (const [domain, problem] of [
      [
        'chat example.org',
        '"chat example.org" is not a domain name (an XMPP domain such as "chat.example.org")',
      ],
      [
        '*.example.org',
        '"*.example.org" is a pattern; write the one XMPP domain, such as "chat.example.org"',
      ],
      ['', 'must not be empty'],
    ] as const) {
      const { config, errors } = parse({ name: 'p', domain });
      assert.equal(config, undefined, domain);
      assert.deepEqual(errors, [`hmacUpload[0].domain: ${problem}`]);
    }
  });

  it('warns about a short secret', () => {
    assert.deepEqual(parse({ name: 's', secret: 'short' }).warnings, [
      'hmacUpload[0].secret: is shorter than 16 characters: anyone holding one signed upload URL can try to guess it offline',
    ]);
  });

  it('loads in managers.toml and may be named in the upload rule', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmproxy-hmac-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'c'));
    writeFileSync(join(dir, 'c', 'server.toml'), `[files]\nsecret = "${FILES_SECRET}"\n`);
    writeFileSync(
      join(dir, 'c', 'managers.toml'),
      'rule = "campus"\n[policy]\nupload = "signed ∧ campus"\n[[rangeIPM]]\nname = "campus"\ncidr = "127.0.0.0/8"\n' +
        '[[hmacUpload]]\nname = "signed"\nprotocols = ["v", "vv"]\n',
    );
    const report = inspectConfig(join(dir, 'c'));
    assert.deepEqual(report.errors.map(formatIssue), [
      'managers.toml:9: hmacUpload[0].protocols[1]: must be one of "v2", "token", "v", not "vv"',
    ]);
    writeFileSync(
      join(dir, 'c', 'managers.toml'),
      'rule = "true"\n[policy]\nupload = "signed"\n[[hmacUpload]]\nname = "signed"\n',
    );
    const good = inspectConfig(join(dir, 'c'));
    assert.deepEqual(good.errors, []);
    assert.equal(good.config?.rules.get('upload'), 'signed');
    assert.deepEqual(
      good.config?.managers.map((m) => m.kind.kind),
      ['hmacUpload'],
    );
  });

  it('without [policy] upload, the upload rule is the signature check alone (closed without one)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmproxy-hmac-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'server.toml'), `[files]\nsecret = "${FILES_SECRET}"\n`);
    const rulesOf = (toml: string) => {
      writeFileSync(join(dir, 'managers.toml'), toml);
      const report = inspectConfig(dir);
      assert.deepEqual(report.errors, []);
      return report.config?.rules.get('upload');
    };
    assert.equal(rulesOf('rule = "true"\n'), 'false');
    assert.equal(rulesOf('rule = "true"\n[[hmacUpload]]\nname = "prosody"\n'), 'prosody');
    assert.equal(
      rulesOf('rule = "true"\n[[hmacUpload]]\nname = "prosody"\n[[hmacUpload]]\nname = "ejabberd"\n'),
      'prosody ∨ ejabberd',
    );
    assert.equal(
      rulesOf('rule = "true"\n[policy]\nupload = "false"\n[[hmacUpload]]\nname = "prosody"\n'),
      'false',
    );
  });
});

describe('hmacUpload decisions', () => {
  it('says yes to a good signature, with the [files] secret or its own', () => {
    const fromFiles = make({ name: 'signed' }, FILES_SECRET);
    assert.deepEqual(ask(fromFiles, upload(PATH, 23456, `v=${sign(FILES_SECRET, 'v')}`)), {
      match: true,
      reason: 'signed with v for signed',
    });
    const own = make({ name: 'signed', secret: OWN_SECRET }, FILES_SECRET);
    const v2 = upload(PATH, 23456, `v2=${sign(OWN_SECRET, 'v2', 'image/jpeg')}`, 'image/jpeg');
    assert.deepEqual(ask(own, v2), { match: true, reason: 'signed with v2 for signed' });
    assert.equal(ask(own, upload(PATH, 23456, `v=${sign(FILES_SECRET, 'v')}`)).match, false);
  });

  it('says no to a tampered size, a missing signature, or a protocol it does not take', () => {
    const signed = make({ name: 'signed', protocols: ['v2'] }, FILES_SECRET);
    const mac = sign(FILES_SECRET, 'v2');
    assert.equal(ask(signed, upload(PATH, 23456, `v2=${mac}`)).match, true);
    assert.equal(ask(signed, upload(PATH, 23457, `v2=${mac}`)).match, false);
    const none = ask(signed, upload(PATH, 23456, ''));
    assert.deepEqual(none, { match: false, reason: 'no signature (?v2=)' });
    assert.equal(ask(signed, upload(PATH, 23456, `v=${sign(FILES_SECRET, 'v')}`)).match, false);
  });

  it('says no without a secret anywhere, and shows where its secret comes from, never the secret', () => {
    const bare = make({ name: 'signed' });
    const verdict = ask(bare, upload(PATH, 23456, `v=${sign(FILES_SECRET, 'v')}`));
    assert.equal(verdict.match, false);
    assert.match(verdict.reason ?? '', /no secret/u);
    assert.deepEqual(bare.settings(), {
      name: 'signed',
      secret: 'none: every upload is refused',
      protocols: ['v2', 'token', 'v'],
      domain: 'signed',
    });
    const own = make({ name: 'signed', secret: OWN_SECRET });
    assert.equal(own.settings()['secret'], 'its own');
    assert.ok(!JSON.stringify(own.settings()).includes(OWN_SECRET));
    assert.equal(make({ name: 's' }, FILES_SECRET).settings()['secret'], 'from [files] of server.toml');
  });

  it('is false for requests that are not uploads, unknown in discovery', () => {
    const signed = make({ name: 'signed' }, FILES_SECRET);
    assert.deepEqual(ask(signed, undefined, 'proxy'), { match: false, reason: 'not a signed upload' });
    assert.equal(ask(signed, undefined, 'discover').match, undefined);
  });
});

describe('hmacUpload records who signed (signedBy), for an upQuota after it', () => {
  // The research vectors T3 (v) and T4 (v2), with their MACs as published, not recomputed here.
  const T3_MAC = '101b144f0bb522d8fee931e4460830cf5d16895daf7cfbbc5c85ee1db0a3d8ab';
  const T4_MAC = 'c0e6ae3bb20a20e1a454b078ce91d81b3f9783bab27d5b84da4993802ae8cad2';

  it('adds its name → its domain when the signature verifies (T3, T4)', () => {
    const prosody = make({ name: 'prosody', secret: OWN_SECRET, domain: 'chat.example.org' });
    const t3 = upload(PATH, 23456, `v=${T3_MAC}`);
    assert.equal(ask(prosody, t3).match, true);
    assert.deepEqual([...t3.signedBy], [['prosody', 'chat.example.org']]);
    const t4 = upload(PATH, 23456, `v2=${T4_MAC}`, 'image/jpeg');
    assert.deepEqual(ask(prosody, t4), { match: true, reason: 'signed with v2 for chat.example.org' });
    assert.deepEqual([...t4.signedBy], [['prosody', 'chat.example.org']]);
  });

  it('defaults the domain to its name', () => {
    const named = make({ name: 'Chat.Example.org', secret: OWN_SECRET });
    const t3 = upload(PATH, 23456, `v=${T3_MAC}`);
    assert.equal(ask(named, t3).match, true);
    assert.deepEqual([...t3.signedBy], [['Chat.Example.org', 'chat.example.org']]);
  });

  it('adds nothing when the signature does not verify', () => {
    const prosody = make({ name: 'prosody', secret: OWN_SECRET, domain: 'chat.example.org' });
    const cases = [
      upload(PATH, 23457, `v=${T3_MAC}`), // one byte more than signed
      upload(PATH, 23456, `v2=${T4_MAC}`, 'image/png'), // another type than signed
      upload(PATH, 23456, ''), // no signature
      upload(PATH, 23456, `v=${T3_MAC}&v=${T3_MAC}`), // given twice
    ];
    for (const up of cases) {
      assert.equal(ask(prosody, up).match, false);
      assert.equal(up.signedBy.size, 0);
    }
    const otherSecret = make({ name: 'other', secret: 'another secret, long enough', domain: 'b.example' });
    const t3 = upload(PATH, 23456, `v=${T3_MAC}`);
    assert.equal(ask(otherSecret, t3).match, false);
    assert.equal(t3.signedBy.size, 0);
  });

  it('leaves what an earlier signer recorded, and adds itself beside it', () => {
    const prosody = make({ name: 'prosody', secret: OWN_SECRET, domain: 'chat.example.org' });
    const up = upload(PATH, 23456, `v=${T3_MAC}`);
    up.signedBy.set('ejabberd', 'xmpp.example.net');
    assert.equal(ask(prosody, up).match, true);
    assert.deepEqual(
      [...up.signedBy],
      [
        ['ejabberd', 'xmpp.example.net'],
        ['prosody', 'chat.example.org'],
      ],
    );
  });
});

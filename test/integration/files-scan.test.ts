import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Gateway } from '../../src/server/gateway.js';
import type { Logger } from '../../src/util/logger.js';
import { clamdMissing, eicarBytes, startClamd, type RunningClamd } from '../helpers/clamd.js';
import { Client, MANAGERS, filesToml, slot } from '../helpers/files-client.js';
import { writeConfigDir } from '../helpers/gateway.js';

const missing = clamdMissing();
if (missing !== undefined && process.env['CI'] === 'true') {
  it('has clamd to run the upload scanning tests (CI installs clamav-daemon)', () => assert.fail(missing));
}

interface Running {
  readonly gateway: Gateway;
  /** What the gateway logged at warn level. */
  readonly warnings: { msg: string; fields: Record<string, unknown> }[];
  readonly client: Client;
  readonly store: string;
  stop(): Promise<void>;
}

async function gatewayScanningWith(socketPath: string, onScannerDown: string): Promise<Running> {
  const extra = `clamd = ${JSON.stringify(socketPath)}\nonScannerDown = "${onScannerDown}"\n`;
  const { dir, cleanup } = writeConfigDir(MANAGERS, filesToml(extra));
  const warnings: Running['warnings'] = [];
  const log: Logger = {
    info() {},
    warn: (msg, fields = {}) => void warnings.push({ msg, fields }),
    error() {},
  };
  const gateway = await Gateway.start({ configDir: dir, log, accessToStdout: false });
  return {
    gateway,
    warnings,
    client: new Client(gateway, readFileSync(join(dir, 'cert.pem'), 'utf8')),
    store: join(dir, 'files'),
    stop: async () => {
      await gateway.stop();
      cleanup();
    },
  };
}

describe('file server: uploads scanned by a real clamd', { skip: missing ?? false }, () => {
  let clamd: RunningClamd;
  let running: Running;

  before(async () => {
    clamd = await startClamd({ streamMaxLength: '64K' });
    running = await gatewayScanningWith(clamd.socketPath, 'accept-and-log');
  });
  after(async () => {
    await running.stop();
    await clamd.stop();
  });

  it('stores a clean file, and refuses an infected one with 422, keeping nothing of it', async () => {
    const clean = Buffer.from('nothing to see here');
    const ok = slot(['s1', 'clean.txt'], clean.length);
    assert.equal((await running.client.send(ok.url, { body: clean })).status, 201);
    assert.deepEqual(readFileSync(join(running.store, 's1', 'clean.txt')), clean);

    const eicar = eicarBytes();
    const bad = slot(['s2', 'eicar.txt'], eicar.length);
    const refused = await running.client.send(bad.url, { body: eicar });
    assert.equal(refused.status, 422);
    assert.match(refused.text, /virus scanner found Pmproxy\.Test\.EICAR/u);
    assert.equal(existsSync(join(running.store, 's2')), false);
    assert.deepEqual(readdirSync(join(running.store, '.incoming')), []);
    assert.equal(running.gateway.services.store.files.current('s2/eicar.txt'), undefined);
    const logged = running.warnings.find((w) => w.msg.startsWith('upload refused: infected'));
    assert.match(logged?.msg ?? '', /Pmproxy\.Test\.EICAR/u);
    assert.equal(logged?.fields['path'], 's2/eicar.txt');

    const metrics = (await running.gateway.metrics.registry.metrics()) ?? '';
    assert.match(metrics, /^pmproxy_file_scans_total\{result="clean"\} 1$/mu);
    assert.match(metrics, /^pmproxy_file_scans_total\{result="infected"\} 1$/mu);
    assert.match(metrics, /^pmproxy_file_uploads_total\{status_class="2xx"\} 1$/mu);
    assert.match(metrics, /^pmproxy_file_uploads_total\{status_class="4xx"\} 1$/mu);
    assert.match(metrics, new RegExp(`^pmproxy_file_upload_size_bytes_sum ${clean.length}$`, 'mu'));
  });

  it("refuses a file over clamd's StreamMaxLength (413), even with accept-and-log", async () => {
    const big = Buffer.alloc(200 * 1024, 'a');
    const { url } = slot(['s3', 'big.bin'], big.length);
    const answer = await running.client.send(url, { body: big });
    assert.equal(answer.status, 413, answer.text);
    assert.match(answer.text, /virus scanner/u);
    assert.equal(existsSync(join(running.store, 's3')), false);
  });
});

describe('file server: when clamd is down', { skip: missing ?? false }, () => {
  let socketPath: string;

  before(async () => {
    // A socket path where clamd ran and is gone: the state after it stopped.
    const clamd = await startClamd();
    socketPath = clamd.socketPath;
    await clamd.stop();
  });

  it('refuses uploads with 503 when onScannerDown is "refuse"', async () => {
    const running = await gatewayScanningWith(socketPath, 'refuse');
    try {
      const body = Buffer.from('fine, but unscanned');
      const { url } = slot(['d1', 'file.txt'], body.length);
      const answer = await running.client.send(url, { body });
      assert.equal(answer.status, 503);
      assert.match(answer.text, /virus scanner is not available/u);
      assert.equal(existsSync(join(running.store, 'd1')), false);
    } finally {
      await running.stop();
    }
  });

  it('stores them when onScannerDown is "accept-and-log"', async () => {
    const running = await gatewayScanningWith(socketPath, 'accept-and-log');
    try {
      const body = Buffer.from('fine, but unscanned');
      const { url } = slot(['d2', 'file.txt'], body.length);
      assert.equal((await running.client.send(url, { body })).status, 201);
      assert.deepEqual(readFileSync(join(running.store, 'd2', 'file.txt')), body);
      assert.ok(
        running.warnings.some(
          (w) => w.msg.startsWith('upload stored unscanned') && w.fields['path'] === 'd2/file.txt',
        ),
        'the unscanned upload is logged',
      );
    } finally {
      await running.stop();
    }
  });
});

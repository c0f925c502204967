import { join } from 'node:path';
import { persistedBytes } from '../lib/crash-servers.js';
import { LOOPBACK } from '../lib/layout.js';
import { MiB } from '../lib/origin.js';
import { fetchThrough, pacedOrigin, type Delivered } from '../lib/paced-download.js';
import { stop, waitForPort, type Running } from '../lib/processes.js';
import { emptyDir } from '../lib/files-servers.js';
import { getUpload, managersWithSignedUploads, storeDirContents, withFileServer } from './file-server.js';
import { CREDENTIALS, OPS_DIR, opsConfig, startPmproxy, type OpsConfig } from './instance.js';
import { startUpload, type UploadResult } from './paced-upload.js';
import type { OpsPorts } from './ports.js';
import { proxiedGet } from './probe-requests.js';

/**
 * One round of the kill section: pmproxy with its file server, paced downloads through the proxy
 * (charged to the bench user's download quota) and paced signed uploads in flight together, one
 * upload finished before; kill -9; then what the store folder and the store hold, and what a
 * restarted pmproxy over them serves.
 */

export interface KillPlan {
  readonly round: number;
  readonly killAfterSeconds: number;
  readonly downloads: number;
  readonly downloadRate: number;
  readonly uploads: number;
  readonly uploadRate: number;
  readonly uploadBytes: number;
}

export interface KillRound {
  readonly round: number;
  readonly delivered: readonly Delivered[];
  readonly persisted: number;
  readonly inFlight: readonly UploadResult[];
  readonly finished: UploadResult;
  /** After the kill, before the restart. */
  readonly visibleNames: readonly string[];
  readonly blobs: number;
  readonly temporaryBefore: number;
  /** Once the restarted server has cleared what the killed one left. */
  readonly temporaryAfter: number;
  /** GET status of each in-flight upload's name from the restarted server (404: never visible). */
  readonly inFlightGets: readonly number[];
  readonly finishedIntact: boolean;
  readonly freshUploadStatus: number | undefined;
  readonly proxiedStatus: number | string;
}

const FINISHED_BYTES = 1 * MiB;

function killConfig(ports: OpsPorts, storeDir: string): OpsConfig {
  return opsConfig('kill', ports, {
    server: withFileServer(storeDir, ports.spare),
    managers: managersWithSignedUploads(),
  });
}

async function startWithFiles(config: OpsConfig, name: string): Promise<Running> {
  const proc = await startPmproxy(config, name);
  await waitForPort(proc, LOOPBACK, config.ports.spare, 10_000);
  return proc;
}

export async function killRound(ports: OpsPorts, plan: KillPlan): Promise<KillRound> {
  const storeDir = join(OPS_DIR, 'kill', 'files');
  emptyDir(storeDir);
  const config = killConfig(ports, storeDir);
  const filesPort = ports.spare;
  const origin = await pacedOrigin(plan.downloadRate);
  const started: Running[] = [];
  try {
    const killed = await startWithFiles(config, 'pmproxy-kill');
    started.push(killed);
    const finished = await startUpload(filesPort, `r${plan.round}/finished.bin`, FINISHED_BYTES).done;
    const uploads = Array.from({ length: plan.uploads }, (_, i) =>
      startUpload(filesPort, `r${plan.round}/in-flight-${i}.bin`, plan.uploadBytes, plan.uploadRate),
    );
    // The first download to get a byte arms the kill; every one of them ends with it.
    let armed = false;
    const kill = (): void => {
      if (!armed) killed.child.kill('SIGKILL');
      armed = true;
    };
    const downloads = Array.from({ length: plan.downloads }, () =>
      fetchThrough(ports.proxy, CREDENTIALS, origin.url, { seconds: plan.killAfterSeconds, then: kill }),
    );
    await killed.exited;
    const delivered = await Promise.all(downloads);
    const inFlight = await Promise.all(uploads.map((upload) => upload.done));
    const persisted = persistedBytes(config);
    const left = storeDirContents(storeDir);

    const restarted = await startWithFiles(config, 'pmproxy-kill-restarted');
    started.push(restarted);
    const inFlightGets = await Promise.all(
      inFlight.map(async (upload) => (await getUpload(filesPort, upload.name)).status),
    );
    const got = await getUpload(filesPort, finished.name);
    const fresh = await startUpload(filesPort, `r${plan.round}/after-restart.bin`, FINISHED_BYTES).done;
    const proxied = await proxiedGet({
      proxyPort: ports.proxy,
      originPort: ports.origin,
      credentials: CREDENTIALS,
    });
    return {
      round: plan.round,
      delivered,
      persisted,
      inFlight,
      finished,
      visibleNames: left.visible,
      blobs: left.blobs,
      temporaryBefore: left.temporary,
      temporaryAfter: storeDirContents(storeDir).temporary,
      inFlightGets,
      finishedIntact: got.status === 200 && got.bytes === finished.size && got.sha256 === finished.sha256,
      freshUploadStatus: fresh.status,
      proxiedStatus: proxied.outcome,
    };
  } finally {
    origin.close();
    for (const proc of started.reverse()) await stop(proc);
  }
}

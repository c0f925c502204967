import { join } from 'node:path';
import { LOOPBACK } from '../lib/layout.js';
import { MiB } from '../lib/origin.js';
import { sleep, waitForPort } from '../lib/processes.js';
import { eventsSince, markLog, type LogLine } from './event-log.js';
import { getUpload, managersWithSignedUploads, storeDirContents, withFileServer } from './file-server.js';
import { OPS_DIR, opsConfig } from './instance.js';
import { startUpload } from './paced-upload.js';
import type { OpsPorts } from './ports.js';
import { underLoad, type FaultRun } from './store-load.js';
import { probeManagers } from './store-probe.js';
import { mountSmallDisk, type SmallDisk } from './store-tmpfs.js';

/**
 * The disk full (issue 12): pmproxy's store and its files folder on an 8 MiB tmpfs, filled by the
 * bench while a paced download is charged and the probes proxy and log in. Uploads while it is full
 * (refused before the body is read), uploads that each fit but not all together (the disk runs out
 * under them), then space given back: uploads work again and the consumption catches up.
 */

export interface DiskPlan {
  readonly fullSeconds: number;
  readonly afterSeconds: number;
}

export interface DiskFigures extends FaultRun {
  readonly plan: DiskPlan;
  readonly uploadBytes: number;
  /** The status of each upload (or why there was none), by when it was made. */
  readonly uploads: {
    readonly before: readonly (number | string)[];
    readonly full: readonly (number | string)[];
    /** Together, with room for some of them. */
    readonly racing: readonly (number | string)[];
    readonly after: readonly (number | string)[];
  };
  readonly roomForRacing: number;
  readonly racingTemporaryLeft: number;
  /** From the fill to the filler's removal, on the event log's clock. */
  readonly freedAfterSeconds: number;
  readonly afterIntact: boolean;
  readonly events: readonly LogLine[];
}

const DISK_SIZE = '8m';
const DOWNLOAD_RATE = 2 * MiB;
const UPLOAD_BYTES = 256 * 1024;
const RACING = 4;
/** Room for two of the racing uploads and a half: each passes the free-space check alone. */
const ROOM_FOR_RACING = Math.round(2.5 * UPLOAD_BYTES);
const WARM_UP_SECONDS = 4;

async function uploadStatuses(port: number, names: readonly string[]): Promise<(number | string)[]> {
  const done = await Promise.all(names.map((name) => startUpload(port, name, UPLOAD_BYTES).done));
  return done.map((upload) => upload.status ?? upload.error ?? 'no answer');
}

async function withPmproxy(ports: OpsPorts, disk: SmallDisk, plan: DiskPlan): Promise<DiskFigures> {
  const storeDir = join(disk.dir, 'files');
  const config = opsConfig('store-disk', ports, {
    storePath: join(disk.dir, 'pmproxy.db'),
    server: withFileServer(storeDir, ports.spare),
    managers: managersWithSignedUploads(probeManagers()),
  });
  const load = {
    config,
    name: 'pmproxy-store-disk',
    downloadRate: DOWNLOAD_RATE,
    warmUpSeconds: WARM_UP_SECONDS,
  };
  return underLoad(load, async (under) => {
    await waitForPort(under.pmproxy, LOOPBACK, ports.spare, 10_000);
    const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}.bin`);
    const before = await uploadStatuses(ports.spare, names('before', 1));
    await sleep(2000);

    const mark = markLog(under.pmproxy.logPath);
    under.faultStarts();
    disk.fill();
    const full = await uploadStatuses(ports.spare, names('full', 3));
    disk.free(ROOM_FOR_RACING);
    const roomForRacing = disk.freeBytes();
    const racing = await uploadStatuses(ports.spare, names('racing', RACING));
    const racingTemporaryLeft = storeDirContents(storeDir).temporary;
    disk.fill();
    await sleep(plan.fullSeconds * 1000);

    under.faultEnds();
    const freedAfterSeconds = mark === undefined ? NaN : (Date.now() - mark.at) / 1000;
    disk.free();
    // A flush a second: let one run on the space given back before uploading again.
    await sleep(2000);
    const after = await uploadStatuses(ports.spare, names('after', 1));
    const got = await getUpload(ports.spare, 'after-0.bin');
    await sleep(plan.afterSeconds * 1000);
    return {
      plan,
      uploadBytes: UPLOAD_BYTES,
      uploads: { before, full, racing, after },
      roomForRacing,
      racingTemporaryLeft,
      freedAfterSeconds,
      afterIntact: got.status === 200 && got.bytes === UPLOAD_BYTES,
      events: eventsSince(mark),
      ...(await under.finish()),
    };
  });
}

export async function fullDisk(ports: OpsPorts, plan: DiskPlan): Promise<DiskFigures> {
  const disk = await mountSmallDisk(join(OPS_DIR, 'store-disk', 'tmpfs'), DISK_SIZE);
  try {
    return await withPmproxy(ports, disk, plan);
  } finally {
    await disk.unmount();
  }
}

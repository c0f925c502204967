import { MiB, prepareFiles } from '../lib/origin.js';
import { stop } from '../lib/processes.js';
import { table } from '../lib/report.js';
import { startOriginOn } from './instance.js';
import { lostTraffic } from './lost-traffic.js';
import { killRound, type KillPlan, type KillRound } from './kill-round.js';
import { portsFor } from './ports.js';
import { verdict, type OpsOptions, type OpsSection, type SectionResult } from './section.js';

/**
 * kill -9 during uploads and downloads (issue 12): rounds of paced downloads through the proxy and
 * paced signed uploads to the file server in flight together, pmproxy killed, restarted over the
 * same store. Targets: no partial upload visible (in the folder or through GET), and the
 * consumption persisted short of what the clients received by at most 1 s of their traffic.
 */

const DOWNLOADS = 4;
const DOWNLOAD_RATE = 5 * MiB;
const UPLOADS = 4;
const UPLOAD_RATE = 2 * MiB;
/** Far more than an upload sends before the kill: every one is in flight when it comes. */
const UPLOAD_BYTES = 128 * MiB;
const LOAD = {
  downloads: DOWNLOADS,
  downloadRate: DOWNLOAD_RATE,
  uploads: UPLOADS,
  uploadRate: UPLOAD_RATE,
  uploadBytes: UPLOAD_BYTES,
} as const;
const LOST_TARGET_SECONDS = 1;

const lost = (round: KillRound) => lostTraffic(round.delivered, round.persisted);

function partials(round: KillRound): number {
  const visibleInFlight = round.visibleNames.filter((name) => round.inFlight.some((u) => u.name === name));
  // Anything under a name besides the upload that finished, or a blob besides its own, is a leak.
  const strangers = round.visibleNames.filter((name) => name !== round.finished.name);
  const servedInFlight = round.inFlightGets.filter((status) => status !== 404).length;
  return Math.max(visibleInFlight.length, strangers.length) + Math.max(0, round.blobs - 1) + servedInFlight;
}

async function run(options: OpsOptions): Promise<SectionResult> {
  const ports = portsFor('kill');
  const rounds = options.quick ? 2 : 5;
  const killAfterSeconds = options.quick ? 4 : 8;
  await prepareFiles(1);
  const results: KillRound[] = [];
  const origin = await startOriginOn('origin-kill', ports.origin);
  try {
    for (let round = 1; round <= rounds; round++) {
      const plan: KillPlan = { round, killAfterSeconds, ...LOAD };
      results.push(await killRound(ports, plan));
    }
  } finally {
    await stop(origin);
  }

  const mib = (bytes: number) => (bytes / MiB).toFixed(1);
  const rows = results.map((r) => {
    const { lostBytes, lostSeconds } = lost(r);
    const sent = r.inFlight.reduce((sum, u) => sum + u.sent, 0);
    const answered = r.inFlight.filter((u) => u.status !== undefined).map((u) => String(u.status));
    return [
      String(r.round),
      mib(r.delivered.reduce((sum, d) => sum + d.bytes, 0)),
      mib(r.persisted),
      `${mib(lostBytes)} (${lostSeconds.toFixed(2)} s)`,
      `${mib(sent)}${answered.length > 0 ? ` [answered ${answered.join(',')}]` : ''}`,
      String(partials(r)),
      `${r.temporaryBefore} → ${r.temporaryAfter}`,
      r.inFlightGets.join(','),
      `${r.finishedIntact ? 'intact' : 'NOT INTACT'}, new ${r.freshUploadStatus ?? 'no answer'}, proxy ${r.proxiedStatus}`,
    ];
  });
  const worstLost = Math.max(...results.map((r) => lost(r).lostSeconds));
  const allPartials = results.reduce((sum, r) => sum + partials(r), 0);
  const served = results.every(
    (r) => r.finishedIntact && r.freshUploadStatus === 201 && r.proxiedStatus === 200,
  );
  const lines = [
    `${rounds} rounds on a fresh store: pmproxy (bench/config: proxy authentication, a download quota) with a [files]`,
    `server (plain listener, Prosody v1 signed uploads). Each round: one 1 MiB upload finished first, then ${UPLOADS} signed`,
    `uploads of ${UPLOAD_BYTES / MiB} MiB at ${UPLOAD_RATE / MiB} MiB/s each and ${DOWNLOADS} proxied downloads at ${DOWNLOAD_RATE / MiB} MiB/s each in flight;`,
    `kill -9 ${killAfterSeconds} s after the first downloaded byte; the store read as a second process; pmproxy restarted over it.`,
    `lost = delivered to the clients − persisted, and in seconds of the ${DOWNLOADS} downloads' traffic together.`,
    `partial = in-flight uploads visible under their names, other names or blobs, or served by GET after the restart;`,
    `temp = .part files in the store's .incoming (never served) after the kill → once the restarted server is up.`,
    '',
    ...table(
      [
        'round',
        'delivered MiB',
        'persisted MiB',
        'lost MiB (s)',
        'uploads sent MiB',
        'partial',
        'temp',
        'GET in-flight',
        'after restart',
      ],
      rows,
    ),
    '',
    `target no partial upload visible (folder or GET): ${allPartials} in ${rounds} rounds: ${verdict(allPartials === 0)}`,
    `target consumption lost ≤ ${LOST_TARGET_SECONDS} s of traffic: worst ${worstLost.toFixed(2)} s: ${verdict(worstLost <= LOST_TARGET_SECONDS)}`,
    `target the restarted server serves (the finished upload intact, a new upload 201, a proxied GET 200): ${verdict(served)}`,
  ];
  return {
    lines,
    figures: {
      rounds,
      killAfterSeconds,
      ...LOAD,
      results: results.map((r) => ({ ...r, lost: lost(r), partial: partials(r) })),
    },
  };
}

export const kill: OpsSection = {
  name: 'kill',
  summary: 'kill -9 during uploads and downloads: partial files visible, consumption lost, restart',
  run,
};

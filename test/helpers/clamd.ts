import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClamdClient } from '../../src/files/clamd.js';
import { freePort, startServiceProcess } from './service-process.js';

/** Debian's clamav-daemon. Its own service never runs here: each test starts a private clamd. */
export const CLAMD = '/usr/sbin/clamd';

/** Why the clamd tests cannot run here, or undefined when they can. */
export function clamdMissing(): string | undefined {
  return existsSync(CLAMD) ? undefined : `${CLAMD} is not installed (apt-get install clamav-daemon)`;
}

/** The names our test signatures give the EICAR file: a whole-file hash, and a body match. */
export const EICAR_HASH_SIGNATURE = 'Pmproxy.Test.EICAR-HDB';
export const EICAR_BODY_SIGNATURE = 'Pmproxy.Test.EICAR-NDB';

/**
 * The 68-byte EICAR test file, assembled at run time: written whole in a source file it would make
 * this repository itself "infected" to every scanner that looks at it.
 */
export function eicarBytes(): Buffer {
  const parts = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-', 'TEST-FILE!$H+H*'];
  return Buffer.from(parts.join(''), 'latin1');
}

/**
 * A signature database that knows only EICAR (freshclam cannot reach the Internet here, and the
 * official one would take clamd ~20 s and 1 GB to load): an `.hdb` line (MD5:size:name) that matches
 * the file exactly, and an `.ndb` line (name:any type:any offset:hex) that finds it inside other bytes.
 */
function writeSignatures(dir: string): void {
  const eicar = eicarBytes();
  const md5 = createHash('md5').update(eicar).digest('hex');
  writeFileSync(join(dir, 'pmproxy-test.hdb'), `${md5}:${eicar.length}:${EICAR_HASH_SIGNATURE}\n`);
  writeFileSync(join(dir, 'pmproxy-test.ndb'), `${EICAR_BODY_SIGNATURE}:0:*:${eicar.toString('hex')}\n`);
}

export interface ClamdSetup {
  /** clamd's StreamMaxLength (default `1M`, small so the limit is cheap to reach). */
  readonly streamMaxLength?: string;
  /** Also listen on 127.0.0.1 (a free port), for the `host:port` form of the address. */
  readonly tcp?: boolean;
}

export interface RunningClamd {
  readonly socketPath: string;
  /** `127.0.0.1:port` when started with `tcp`. */
  readonly tcpAddress: string | undefined;
  /** clamd's TemporaryDirectory: where it spools an INSTREAM stream while receiving it. */
  readonly spoolDir: string;
  readonly logFile: string;
  /** From spawning to the first PONG, in ms. */
  readonly startupMs: number;
  /** Sends a signal (SIGSTOP to freeze it, SIGKILL to leave its socket file behind, …). */
  signal(signal: NodeJS.Signals): void;
  /** Resolves when the process has exited. */
  exited(): Promise<void>;
  /** Stops clamd (if still running) and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts Debian's clamd in the foreground in a temporary directory: its own config file, local
 * socket, log and spool directory, and a database holding only the EICAR signatures. Resolves once
 * it answers PING on its socket.
 */
export async function startClamd(setup: ClamdSetup = {}): Promise<RunningClamd> {
  // Under /tmp in practice: Debian's AppArmor profile for clamd (where enforced) allows /tmp/**, and a
  // unix socket path must stay under 108 bytes.
  const dir = mkdtempSync(join(tmpdir(), 'pmproxy-clamd-'));
  const dbDir = join(dir, 'db');
  const spoolDir = join(dir, 'spool');
  mkdirSync(dbDir);
  mkdirSync(spoolDir);
  writeSignatures(dbDir);
  const socketPath = join(dir, 'clamd.sock');
  const logFile = join(dir, 'clamd.log');
  const port = setup.tcp === true ? await freePort() : undefined;
  const config = [
    'Foreground yes',
    `LocalSocket ${socketPath}`,
    `DatabaseDirectory ${dbDir}`,
    `TemporaryDirectory ${spoolDir}`,
    `StreamMaxLength ${setup.streamMaxLength ?? '1M'}`,
    `LogFile ${logFile}`,
    // The database never changes under a test; no reloads in the middle of one.
    'SelfCheck 0',
    ...(port === undefined ? [] : ['TCPAddr 127.0.0.1', `TCPSocket ${port}`]),
  ];
  const configFile = join(dir, 'clamd.conf');
  writeFileSync(configFile, `${config.join('\n')}\n`);

  const started = performance.now();
  const service = startServiceProcess(CLAMD, ['--config-file', configFile], dir, (child) =>
    // In case a test left it frozen.
    child.kill('SIGCONT'),
  );
  const client = new ClamdClient(socketPath, { connectTimeoutMs: 1000, timeoutMs: 5000 });
  await service.waitUntil(
    async () => existsSync(socketPath) && (await client.ping()).up,
    60_000,
    'answer PING',
  );

  return {
    socketPath,
    tcpAddress: port === undefined ? undefined : `127.0.0.1:${port}`,
    spoolDir,
    logFile,
    startupMs: Math.round(performance.now() - started),
    signal: (signal) => void service.child.kill(signal),
    exited: service.exited,
    stop: service.stop,
  };
}

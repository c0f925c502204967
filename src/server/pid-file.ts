import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';

export const PID_FILE_NAME = 'pmproxy.pid';

/** Writes this process's pid beside the store; returns the file's path. */
export function writePidFile(folder: string): string {
  const path = join(folder, PID_FILE_NAME);
  writeFileAtomic(path, `${process.pid}\n`);
  return path;
}

/** Removes the pid file if it is still this process's (a newer server may have written its own). */
export function removePidFile(path: string): void {
  try {
    if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
  } catch {
    // Already gone.
  }
}

/** The pid in the file, when it names a process that runs; undefined otherwise. */
export function runningPid(folder: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(folder, PID_FILE_NAME), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isSafeInteger(pid) || pid <= 1) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: it runs, as another user; ESRCH: a stale file from a crash.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

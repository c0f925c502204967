import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/**
 * CPU time and memory of a process and its descendants, read from /proc (perf-security.md §A3.6).
 * CPU time is steadier than requests per second on a noisy machine. Squid's helpers and any worker
 * processes are children of the process the bench started, so the tree is summed.
 */

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** Fields of /proc/PID/stat after the command name, so index 0 is field 3 (state). */
function statFields(pid: number): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

const field = (fields: readonly string[], number: number): number => Number(fields[number - 3]);

/** The start time of a process in clock ticks since boot: with the PID, it names one process for good. */
export function startTime(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields === undefined ? undefined : field(fields, 22);
}

/** `pid` and every process below it. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/u.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields === undefined) continue;
    const parent = field(fields, 4);
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  const pending = [pid];
  while (pending.length > 0) {
    const next = pending.pop()!;
    tree.push(next);
    pending.push(...(children.get(next) ?? []));
  }
  return tree;
}

/** User plus system CPU seconds of the tree (all threads), including reaped children's. */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const member of processTree(pid)) {
    const fields = statFields(member);
    if (fields === undefined) continue;
    // utime, stime, cutime, cstime
    ticks += field(fields, 14) + field(fields, 15) + field(fields, 16) + field(fields, 17);
  }
  return ticks / TICKS_PER_SECOND;
}

/** Resident memory of the tree, in bytes (VmRSS summed). */
export function rssBytes(pid: number): number {
  let kib = 0;
  for (const member of processTree(pid)) {
    try {
      const status = readFileSync(`/proc/${member}/status`, 'utf8');
      kib += Number(/^VmRSS:\s+(\d+) kB$/mu.exec(status)?.[1] ?? 0);
    } catch {
      // it exited between the listing and now
    }
  }
  return kib * 1024;
}

/** Open file descriptors of the tree: entries of /proc/PID/fd summed (Squid's helpers included). */
export function openDescriptors(pid: number): number {
  let count = 0;
  for (const member of processTree(pid)) {
    try {
      count += readdirSync(`/proc/${member}/fd`).length;
    } catch {
      // it exited between the listing and now
    }
  }
  return count;
}

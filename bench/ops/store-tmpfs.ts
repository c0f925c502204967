import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { LOAD_CORE } from '../lib/layout.js';
import { runCaptured } from '../lib/processes.js';

/**
 * A small tmpfs to fill (the disk-full case of the store section): mounted on `dir` (the bench runs
 * as root), filled by a file of the bench's own up to the last page, shrunk or removed to give
 * space back, unmounted by whoever mounted it, in a finally.
 */

export interface SmallDisk {
  readonly dir: string;
  /** Fills the disk up to the last byte it takes; the bytes the filler holds afterwards. */
  fill(): number;
  /** Gives `bytes` back (the filler shrinks), or everything when no count is given. */
  free(bytes?: number): void;
  freeBytes(): number;
  unmount(): Promise<void>;
}

const FILLER = '.bench-filler';

function mounted(dir: string): boolean {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === dir);
}

async function run(args: readonly string[]): Promise<void> {
  const out = await runCaptured(args[0] ?? '?', LOAD_CORE, args[0] ?? '?', args.slice(1), 10_000);
  if (out.code !== 0) throw new Error(`${args.join(' ')} failed (${out.code}): ${out.stderr.trim()}`);
}

export async function mountSmallDisk(dir: string, size: string): Promise<SmallDisk> {
  mkdirSync(dir, { recursive: true });
  // A run killed between mount and unmount leaves one behind: never stack a second on it.
  if (mounted(dir)) await run(['umount', dir]);
  await run(['mount', '-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  const filler = join(dir, FILLER);
  let held = 0;
  const freeBytes = () => {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  };
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      try {
        // Large pieces first, then pages: tmpfs counts whole pages.
        for (const piece of [256 * 1024, 4096]) {
          const chunk = Buffer.alloc(piece, 0x66);
          for (;;) {
            try {
              held += writeSync(fd, chunk, 0, piece, held);
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
              throw err;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
      return held;
    },
    free(bytes) {
      if (bytes === undefined || bytes >= held) {
        rmSync(filler, { force: true });
        held = 0;
        return;
      }
      const fd = openSync(filler, 'r+');
      try {
        held -= bytes;
        ftruncateSync(fd, held);
      } finally {
        closeSync(fd);
      }
    },
    freeBytes,
    async unmount() {
      if (!mounted(dir)) return;
      try {
        await run(['umount', dir]);
      } catch {
        // Something still holds a file there (a server that would not stop): detach it anyway.
        await run(['umount', '-l', dir]);
      }
    },
  };
}

import { statfs } from 'node:fs/promises';

/** Bytes free for unprivileged users on the file system holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

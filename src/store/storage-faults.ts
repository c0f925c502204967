/**
 * The faults of the disk and the store that a request can meet and a client can do something
 * about (wait and retry), told apart from bugs: the API and the file server answer them with their
 * own status instead of a bare 500.
 */
export interface StorageFault {
  readonly status: 503 | 507;
  readonly code: 'store_busy' | 'disk_full';
  readonly message: string;
  /** The answer's headers (Retry-After when waiting helps). */
  readonly headers: Readonly<Record<string, string>>;
}

const DISK_FULL: StorageFault = {
  status: 507,
  code: 'disk_full',
  message: 'the server has no room left on its disk; try again later',
  headers: {},
};
const STORE_BUSY: StorageFault = {
  status: 503,
  code: 'store_busy',
  message: 'the store is busy (another process holds it); try again in a moment',
  headers: { 'Retry-After': '1' },
};

/** What `err` is when it is one of those faults; undefined for anything else. */
export function storageFault(err: unknown): StorageFault | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const { code } = err;
  if (typeof code !== 'string') return undefined;
  // errno codes from node:fs; SQLITE_FULL is SQLite's own word for ENOSPC.
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return DISK_FULL;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return STORE_BUSY;
  return undefined;
}

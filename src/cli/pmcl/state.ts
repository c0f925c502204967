import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { parseFingerprint } from './fingerprint.js';

/** The session a login opened; its token is only ever sent to the server it came from. */
export interface Session {
  readonly server: string;
  readonly token: string;
  readonly user: string;
  readonly manager: string;
  readonly expires: string;
}

/** How a server's certificate is trusted beyond the system CAs, keyed by `host:port`. */
export interface Trust {
  /** SHA-256 fingerprint of the one certificate accepted (Node's colon form). */
  readonly pin?: string;
  /** PEM of the CA given with --ca, kept so the file may move or vanish later. */
  readonly ca?: string;
}

export interface State {
  /** The API base URL last logged in to: the default server of every command. */
  readonly server?: string;
  readonly session?: Session;
  readonly trust: Readonly<Record<string, Trust>>;
}

export const EMPTY_STATE: State = { trust: {} };

/** `$XDG_CONFIG_HOME/pmcl/state.json`, or `~/.config/pmcl/state.json` (XDG: relative paths are ignored). */
export function statePath(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env['XDG_CONFIG_HOME'];
  const base = xdg !== undefined && isAbsolute(xdg) ? xdg : join(env['HOME'] ?? homedir(), '.config');
  return join(base, 'pmcl', 'state.json');
}

/** A state file that is there but unreadable or malformed: reported rather than overwritten. */
export class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

export function loadState(path: string): State {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return EMPTY_STATE;
    throw new StateFileError(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new StateFileError(`${path} is not JSON; remove it to start afresh`);
  }
  const state = toState(raw);
  if (state === undefined)
    throw new StateFileError(`${path} is not a pmcl state file; remove it to start afresh`);
  return state;
}

/** Written whole and renamed into place, readable by the owner only: it holds a bearer token. */
export function saveState(path: string, state: State): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode only applies to a directory it creates; an older, looser one is tightened.
  chmodSync(dir, 0o700);
  writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`, 0o600);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const optionalString = (v: unknown): v is string | undefined => v === undefined || typeof v === 'string';

function toState(raw: unknown): State | undefined {
  if (!isObject(raw) || !optionalString(raw['server'])) return undefined;
  const trustRaw = raw['trust'] ?? {};
  if (!isObject(trustRaw)) return undefined;
  const trust: Record<string, Trust> = {};
  for (const [key, value] of Object.entries(trustRaw)) {
    if (!isObject(value) || !optionalString(value['pin']) || !optionalString(value['ca'])) return undefined;
    const pin = value['pin'] === undefined ? undefined : parseFingerprint(value['pin']);
    if (value['pin'] !== undefined && pin === undefined) return undefined;
    trust[key] = {
      ...(pin === undefined ? {} : { pin }),
      ...(value['ca'] === undefined ? {} : { ca: value['ca'] }),
    };
  }
  const s = raw['session'];
  let session: Session | undefined;
  if (s !== undefined) {
    if (!isObject(s)) return undefined;
    const { server, token, user, manager, expires } = s;
    if (![server, token, user, manager, expires].every((f) => typeof f === 'string')) return undefined;
    session = {
      server: server as string,
      token: token as string,
      user: user as string,
      manager: manager as string,
      expires: expires as string,
    };
  }
  return {
    ...(raw['server'] === undefined ? {} : { server: raw['server'] }),
    ...(session === undefined ? {} : { session }),
    trust,
  };
}

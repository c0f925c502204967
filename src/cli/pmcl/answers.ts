import { Failure } from './failure.js';

/** The API answers pmcl reads (docs/api.md), checked field by field before use. */
export interface LoginAnswer {
  readonly token: string;
  readonly user: string;
  readonly manager: string;
  readonly expires: string;
}

export interface DiscoveredManager {
  readonly name: string;
  readonly type: string;
  readonly match: boolean | null;
  readonly reason?: string;
}

export interface Discovery {
  readonly result: string;
  readonly allow: boolean;
  readonly managers: readonly DiscoveredManager[];
}

export interface UserStatus {
  readonly user: string;
  readonly name: string;
  readonly groups: readonly string[];
  readonly manager: string | null;
  readonly quota: string | null;
  readonly consumption: string | null;
  readonly resetAt: string | null;
  readonly isAdmin: boolean;
}

export interface OpenSession {
  readonly manager: string;
  readonly ip: string;
  readonly user: string;
}

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string';
const strOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

function expect<T>(what: string, value: unknown, ok: (v: Fields) => boolean): T {
  if (!isObject(value) || !ok(value))
    throw new Failure(`the server's answer is not ${what} as pmcl knows it`);
  return value as T;
}

export const asLoginAnswer = (v: unknown): LoginAnswer =>
  expect(
    'a login answer',
    v,
    (o) => str(o['token']) && str(o['user']) && str(o['manager']) && str(o['expires']),
  );

export const asDiscovery = (v: unknown): Discovery =>
  expect(
    'a discovery',
    v,
    (o) =>
      str(o['result']) &&
      typeof o['allow'] === 'boolean' &&
      Array.isArray(o['managers']) &&
      o['managers'].every(
        (m) =>
          isObject(m) &&
          str(m['name']) &&
          str(m['type']) &&
          (m['match'] === null || typeof m['match'] === 'boolean') &&
          (m['reason'] === undefined || str(m['reason'])),
      ),
  );

export const asUserStatus = (v: unknown): UserStatus =>
  expect(
    'a user status',
    v,
    (o) =>
      str(o['user']) &&
      str(o['name']) &&
      Array.isArray(o['groups']) &&
      o['groups'].every(str) &&
      strOrNull(o['manager']) &&
      strOrNull(o['quota']) &&
      strOrNull(o['consumption']) &&
      strOrNull(o['resetAt']) &&
      typeof o['isAdmin'] === 'boolean',
  );

export function asSessions(v: unknown): OpenSession[] {
  if (!Array.isArray(v)) throw new Failure("the server's answer is not a session list as pmcl knows it");
  return v.map((s) =>
    expect<OpenSession>('a session', s, (o) => str(o['manager']) && str(o['ip']) && str(o['user'])),
  );
}

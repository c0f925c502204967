import { Failure } from './failure.js';
import type { LoginAnswer } from '../../api/login.js';
import type { DiscoveredManager, Discovery } from '../../api/discovery.js';
import type { UserStatus as ServerUserStatus } from '../../api/user-status.js';

/** The API answers pmcl reads (docs/api.md), the server's own types, checked field by field before use. */
export type { DiscoveredManager, Discovery, LoginAnswer };

/** The part of a status answer pmcl shows. */
export type UserStatus = Pick<
  ServerUserStatus,
  'user' | 'name' | 'groups' | 'manager' | 'quota' | 'consumption' | 'resetAt' | 'isAdmin' | 'refusals'
>;

const isRefusal = (r: unknown): boolean =>
  typeof r === 'object' &&
  r !== null &&
  ['at', 'host', 'why'].every((k) => typeof (r as Record<string, unknown>)[k] === 'string');

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
      typeof o['isAdmin'] === 'boolean' &&
      (o['refusals'] === undefined || (Array.isArray(o['refusals']) && o['refusals'].every(isRefusal))),
  );

export function asSessions(v: unknown): OpenSession[] {
  if (!Array.isArray(v)) throw new Failure("the server's answer is not a session list as pmcl knows it");
  return v.map((s) =>
    expect<OpenSession>('a session', s, (o) => str(o['manager']) && str(o['ip']) && str(o['user'])),
  );
}

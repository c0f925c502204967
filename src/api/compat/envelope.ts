import type { Fields } from '../body.js';

/** The Go original's request: `{cmd, manager, secret, cred: {user, pass}, info: UserInfo}`. */
export interface Envelope {
  readonly cmd: string;
  readonly manager: string;
  readonly secret: string;
  readonly user: string;
  readonly pass: string;
  readonly infoUser: string;
  readonly infoBytes: number | undefined;
}

/** The original answered every failure with 400 and one of these objects. */
export class CompatError extends Error {
  constructor(readonly body: Record<string, unknown>) {
    super(JSON.stringify(body));
  }
}

export const stringError = (message: string): CompatError => new CompatError({ message });

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Reads the envelope leniently, as the original did: missing parts are empty. */
export function readEnvelope(body: Fields): Envelope {
  const cred = (typeof body['cred'] === 'object' && body['cred'] !== null ? body['cred'] : {}) as Fields;
  const info = (typeof body['info'] === 'object' && body['info'] !== null ? body['info'] : {}) as Fields;
  const bytes = info['bytesCons'];
  return {
    cmd: text(body['cmd']),
    manager: text(body['manager']),
    secret: text(body['secret']),
    user: text(cred['user']),
    pass: text(cred['pass']),
    infoUser: text(info['userName']),
    infoBytes: typeof bytes === 'number' && Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : undefined,
  };
}

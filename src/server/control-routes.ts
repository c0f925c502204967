import { isQuotaAccount, pickQuotas, quotaRow } from '../managers/quota-rows.js';
import type { Manager } from '../managers/types.js';
import type { SessionRegistry } from '../sessions/types.js';
import type { UserDirectory } from '../users/types.js';
import { ControlRefusal, type ControlHandler } from './control-socket.js';

/** The running generation, as the control socket's questions read it. */
export interface ControlView {
  managers(): ReadonlyMap<string, Manager>;
  users(): UserDirectory;
  readonly sessions: SessionRegistry;
  /** `pmproxy reload`: the same reload as SIGHUP, its result answered. */
  reload(): Promise<{ ok: boolean; messages: string[] }>;
}

/** `quota show` and `quota reset` with the live ledger, `session ls` with the live registry. */
export function controlRoutes(view: ControlView): Map<string, ControlHandler> {
  const quotasFor = (params: URLSearchParams) => {
    const user = params.get('user') ?? '';
    const quotas = pickQuotas(view.managers().values(), params.get('manager') ?? undefined);
    if (typeof quotas === 'string') throw new ControlRefusal(quotas);
    if (!isQuotaAccount(view.users(), user)) {
      throw new ControlRefusal(`no such user "${user}"`);
    }
    return { user, quotas };
  };
  return new Map<string, ControlHandler>([
    [
      'GET /v1/quota',
      (params) => {
        const { user, quotas } = quotasFor(params);
        return quotas.map((q) => quotaRow(q, user));
      },
    ],
    [
      'POST /v1/quota/reset',
      (params) => {
        const { user, quotas } = quotasFor(params);
        for (const q of quotas) q.reset(user);
        return quotas.map((q) => quotaRow(q, user));
      },
    ],
    ['GET /v1/sessions', (params) => view.sessions.list(params.get('manager') ?? undefined)],
    ['POST /v1/reload', () => view.reload()],
  ]);
}

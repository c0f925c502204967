import { CommandError, noSuchUser } from '../command-error.js';
import { isQuotaAccount, pickQuotas, quotaRow, type QuotaRow } from '../../managers/quota-rows.js';
import { UsageError } from '../usage-error.js';
import { askServer } from './ask-server.js';
import { controlSocketPath, type AdminContext } from './context.js';
import type { AdminFlags } from './dispatch.js';

/**
 * `pmproxy quota show|reset USER`: asks the server running on this store, whose figures are live;
 * without one, reads and writes the store (a server started later reads it).
 */
export async function quotaCommand(
  ctx: AdminContext,
  verb: string,
  args: string[],
  flags: AdminFlags,
): Promise<number> {
  const [user] = args;
  if (verb !== 'show' && verb !== 'reset') throw new UsageError(`unknown action "quota ${verb}"`);
  if (user === undefined) throw new UsageError(`quota ${verb}: which user?`);
  const quotas = pickQuotas(ctx.managers.values(), flags.manager);
  if (typeof quotas === 'string') throw new CommandError(quotas);
  if (!isQuotaAccount(ctx.services.users, user)) {
    throw noSuchUser(user);
  }
  const query = new URLSearchParams({
    user,
    ...(flags.manager === undefined ? {} : { manager: flags.manager }),
  });
  const asked = await askServer(
    controlSocketPath(ctx.config),
    verb === 'show' ? 'GET' : 'POST',
    `/v1/quota${verb === 'show' ? '' : '/reset'}?${query.toString()}`,
  );
  if (!asked.ok && asked.error !== undefined) throw new CommandError(asked.error);
  let rows: QuotaRow[];
  if (asked.ok) rows = asked.body as QuotaRow[];
  else {
    if (verb === 'reset') for (const q of quotas) q.reset(user);
    rows = quotas.map((q) => quotaRow(q, user));
    process.stderr.write(
      verb === 'show'
        ? `pmproxy: no server runs on this store: figures from the store, which a server writes every [store] consumptionInterval\n`
        : `pmproxy: no server runs on this store: reset in the store, for the next server to start\n`,
    );
  }
  if (verb === 'reset') {
    for (const r of rows) process.stdout.write(`${r.manager}: consumption of ${user} reset to 0 B\n`);
  } else if (flags.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
  else {
    for (const r of rows) {
      const reset = new Date(r.resetAt).toLocaleString();
      process.stdout.write(
        `${r.manager}: ${r.user} used ${r.consumption} of ${r.quota} (next reset ${reset})\n`,
      );
    }
  }
  return 0;
}

import type { Context } from 'koa';
import { decidingManager, refusals } from '../rules/trace.js';
import type { Surface } from '../managers/types.js';
import { ruleContext } from '../managers/rule-context.js';
import { authenticate, callerIp, type Caller } from './caller.js';
import type { ApiDeps } from './deps.js';
import { ApiError } from './errors.js';

/**
 * Judges the call by a named rule of `[policy]`; a denial is 403 naming the managers that said no.
 * The user a logged-in caller's session establishes is known to the rule (groupIPM, dwnConsR …).
 */
export async function requireRule(
  ctx: Context,
  deps: ApiDeps,
  rule: 'api' | 'admin',
  caller?: Caller,
): Promise<void> {
  const surface: Surface = rule;
  const context = ruleContext(surface, caller?.ip ?? callerIp(ctx), deps.services.clock.now());
  const decision = await deps.policy().decide(rule, context);
  deps.metrics?.decision(rule, decision.allow, decidingManager(decision));
  if (decision.allow) return;
  const managers = refusals(decision.trace).map((t) => ({ name: t.name, type: t.kind, reason: t.reason }));
  throw new ApiError(403, 'forbidden', `the ${rule} rule does not allow this (${decision.result})`, {
    managers,
  });
}

export function isAdmin(deps: ApiDeps, user: string): boolean {
  return deps.config().admins.includes(user);
}

/** A logged-in caller listed in `admins`, and allowed by the admin rule. */
export async function requireAdmin(ctx: Context, deps: ApiDeps): Promise<Caller> {
  const caller = await authenticate(ctx, deps);
  if (!isAdmin(deps, caller.claims.user)) {
    throw new ApiError(403, 'not_admin', `${caller.claims.user} is not an admin`);
  }
  await requireRule(ctx, deps, 'admin', caller);
  return caller;
}

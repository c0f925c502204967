import type { RequestContext, Surface, Target } from './types.js';

/** A fresh context for judging one request of a surface (API, discovery, file server) by a rule. */
export function ruleContext(surface: Surface, clientIp: string, at: Date, target?: Target): RequestContext {
  const users = new Map<string, string>();
  return target === undefined ? { surface, clientIp, at, users } : { surface, clientIp, at, target, users };
}

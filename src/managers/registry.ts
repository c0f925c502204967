import type { ManagerKind } from './types.js';
import { rangeIPM } from './range-ipm.js';
import { timeSpan } from './time-span.js';
import { hostMatcher } from './host-matcher.js';
import { sessionIPM } from './session-ipm.js';
import { proxyAuth } from './proxy-auth.js';
import { groupIPM } from './group-ipm.js';
import { dwnConsR } from './dwn-cons-r.js';
import { bwConsR } from './bw-cons-r.js';
import { netIface } from './net-iface.js';
import { parentProxy } from './parent-proxy.js';
import { hmacUpload } from './hmac-upload.js';
import { upQuota } from './up-quota.js';

/**
 * Every manager kind managers.toml may name, as an array of tables (`[[rangeIPM]]`). Adding a kind
 * is one file in this folder and one line here.
 */
export const managerKinds: readonly ManagerKind<unknown>[] = [
  rangeIPM,
  timeSpan,
  hostMatcher,
  sessionIPM,
  proxyAuth,
  groupIPM,
  dwnConsR,
  bwConsR,
  netIface,
  parentProxy,
  hmacUpload,
  upQuota,
];

const byName = new Map(managerKinds.map((kind) => [kind.kind, kind]));

/** The kind spelled exactly `name` (TOML keys are case-sensitive), or undefined. */
export function findKind(name: string): ManagerKind<unknown> | undefined {
  return byName.get(name);
}

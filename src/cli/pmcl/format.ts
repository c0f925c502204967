import { localTime } from '../../util/local-time.js';
import type { Discovery, OpenSession, UserStatus } from './answers.js';

/** The Go original's discover output, managers in evaluation order, each with why it matched or not. */
export function formatDiscovery(d: Discovery): string[] {
  const lines = [`Match result: ${d.result}`];
  for (const m of d.managers) {
    // null: the manager cannot tell without a URL (a host list, say).
    const mark = m.match === true ? '✅' : m.match === false ? '❌' : '❔';
    // The Go original's `name:type`, or what the admin described it as.
    const what = m.description ?? `${m.name}:${m.type}`;
    lines.push(`[${mark}] ${what}${m.reason === undefined ? '' : ` (${m.reason})`}`);
  }
  return lines;
}

/** The original's status lines, groups as people write them, plus when the consumption resets. */
export function formatStatus(s: UserStatus): string[] {
  const lines = [`User: ${s.user}`, `Name: ${s.name}`, `Groups: ${s.groups.join(', ') || 'none'}`];
  if (s.quota === null || s.consumption === null) {
    lines.push('Quota: none (no download quota applies)');
  } else {
    lines.push(`Quota: ${s.quota} Consumption: ${s.consumption}`);
    if (s.resetAt !== null) lines.push(`Reset: ${localTime(s.resetAt)}`);
  }
  // Browsers show nothing of a refused CONNECT: here is why.
  const refusals = s.refusals ?? [];
  if (refusals.length > 0) lines.push('Refused recently:');
  for (const r of refusals) lines.push(`  ${localTime(r.at)} ${r.host}: ${r.why}`);
  return lines;
}

/** `ip - user`, as the original meant `lu` to print; the manager is added when there are several. */
export function formatSessions(list: readonly OpenSession[]): string[] {
  const several = new Set(list.map((s) => s.manager)).size > 1;
  return list.map((s) => `${s.ip} - ${s.user}${several ? ` (${s.manager})` : ''}`);
}

export const formatJson = (value: unknown): string => JSON.stringify(value, null, 2);

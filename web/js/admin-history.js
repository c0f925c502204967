// Admin: bytes per day over the last 30 days as bar charts, one per group of the quota's users, and
// one user's on a click on their name in the usage table.
import { api } from './api.js';
import { byId, el, say } from './dom.js';
import { barChart } from './bar-chart.js';

/**
 * @typedef {{ day: string, bytes: number }} DayTotal
 * @typedef {{ manager: string, description: string | null }} ChartQuota
 * @typedef {ChartQuota & { managers: ChartQuota[], groups?: { group: string, members: string[],
 *   days: DayTotal[] }[], user?: string, days?: DayTotal[] }} History
 */

/** @param {(err: unknown, region: HTMLElement) => void} fail */
export function startHistory(fail) {
  const region = byId('history-message');
  const groups = byId('history-groups');
  const single = byId('history-user');
  const picker = /** @type {HTMLSelectElement} */ (byId('history-manager'));

  /** @param {string} query */
  function path(query) {
    const manager = picker.value === '' ? '' : `manager=${encodeURIComponent(picker.value)}&`;
    return `/api/admin/history?${manager}${query}`;
  }

  /** @param {ChartQuota[]} managers */
  function offerManagers(managers) {
    byId('history-manager-field').hidden = managers.length < 2;
    if (picker.options.length === managers.length) return;
    picker.replaceChildren(
      ...managers.map((m) => el('option', { value: m.manager }, m.description ?? m.manager)),
    );
  }

  async function load() {
    try {
      const history = /** @type {History} */ (await api('GET', path('')));
      offerManagers(history.managers);
      const list = history.groups ?? [];
      groups.replaceChildren(
        ...list.map((g) =>
          barChart(g.days, `${g.group} (${g.members.length} ${g.members.length === 1 ? 'user' : 'users'})`),
        ),
      );
      if (list.length === 0) say(region, 'No user of this quota is in a group.', 'info');
    } catch (err) {
      fail(err, region);
    }
  }

  /** @param {string} user */
  async function showUser(user) {
    try {
      const history = /** @type {History} */ (await api('GET', path(`user=${encodeURIComponent(user)}`)));
      const close = el('button', { type: 'button' }, 'Close');
      close.addEventListener('click', () => single.replaceChildren());
      single.replaceChildren(barChart(history.days ?? [], `${user}: downloaded per day`), close);
      single.scrollIntoView({ block: 'nearest' });
    } catch (err) {
      fail(err, region);
    }
  }

  picker.addEventListener('change', () => {
    single.replaceChildren();
    void load();
  });
  byId('history-refresh').addEventListener('click', () => void load());
  return { loaded: load(), showUser };
}

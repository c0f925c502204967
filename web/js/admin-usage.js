// Admin: every user of every database with their consumption, sortable and filterable, and setting
// a consumption (a size such as "30 MB", or a reset to 0), each confirmed before it is sent.
import { api } from './api.js';
import { busy, byId, el, fillRows, say } from './dom.js';
import { timeElement } from './format.js';

/**
 * @typedef {{ db: string, kind: string, readOnly: boolean, name: string, displayName: string,
 *   groups: string[], manager: string | null, bytesCons: number | null, consumption: string | null,
 *   bytesQuota: number | null, quota: string | null, lastActivity: string | null }} UsageRow
 */

/** How each sortable column orders rows. @type {Record<string, (r: UsageRow) => string | number>} */
const SORT_KEYS = {
  db: (r) => r.db,
  name: (r) => r.name,
  displayName: (r) => r.displayName,
  groups: (r) => r.groups.join(', '),
  consumption: (r) => r.bytesCons ?? -1,
  share: (r) => (r.bytesCons !== null && r.bytesQuota ? r.bytesCons / r.bytesQuota : -1),
  lastActivity: (r) => r.lastActivity ?? '',
};

/** @param {UsageRow} r */
function bar(r) {
  if (r.bytesCons === null || r.bytesQuota === null) return '—';
  return el('meter', {
    min: '0',
    max: String(r.bytesQuota),
    value: String(Math.min(r.bytesCons, r.bytesQuota)),
    high: String(r.bytesQuota * 0.9),
    'aria-label': `${r.name}: ${r.consumption} of ${r.quota}`,
  });
}

/**
 * @param {(err: unknown, region: HTMLElement) => void} fail
 * @param {(user: string) => void} showHistory draws a user's last days, on a click on their name
 */
export function startUsage(fail, showHistory) {
  const region = byId('usage-message');
  const tbody = byId('usage-rows');
  const filter = /** @type {HTMLInputElement} */ (byId('usage-filter'));
  /** @type {UsageRow[]} */
  let rows = [];
  let sortKey = 'name';
  let ascending = true;

  /**
   * Asks, then sets `user`'s consumption to `size` ("0" resets).
   * @param {UsageRow} row
   * @param {string} size
   * @param {HTMLButtonElement} button
   */
  function setConsumption(row, size, button) {
    const what =
      size === '0' ? `Reset ${row.name}'s consumption to 0?` : `Set ${row.name}'s consumption to ${size}?`;
    if (!confirm(what)) return;
    void busy(button, async () => {
      say(region, '');
      try {
        const status = /** @type {{ user: string, consumption: string, quota: string }} */ (
          await api('PUT', `/api/admin/usage/${encodeURIComponent(row.name)}`, {
            consumption: size,
            ...(row.manager === null ? {} : { manager: row.manager }),
          })
        );
        // After the table is drawn again, so whoever acts on the message finds the new rows.
        await load();
        say(region, `Set ${status.user}'s consumption: now ${status.consumption} of ${status.quota}.`, 'ok');
      } catch (err) {
        fail(err, region);
      }
    });
  }

  /** @param {UsageRow} r */
  function actions(r) {
    if (r.manager === null) return '';
    const size = /** @type {HTMLInputElement} */ (
      el('input', { 'aria-label': `New consumption of ${r.name}`, placeholder: '30 MB', size: '8' })
    );
    const set = /** @type {HTMLButtonElement} */ (el('button', { type: 'button' }, 'Set'));
    set.setAttribute('aria-label', `Set ${r.name}'s consumption`);
    set.addEventListener('click', () => {
      const text = size.value.trim();
      if (text === '') say(region, 'Write a size such as 30 MB first.');
      else setConsumption(r, text, set);
    });
    const reset = /** @type {HTMLButtonElement} */ (
      el('button', { type: 'button', class: 'danger' }, 'Reset')
    );
    reset.setAttribute('aria-label', `Reset ${r.name}'s consumption`);
    reset.addEventListener('click', () => setConsumption(r, '0', reset));
    return el('span', { class: 'inline' }, size, ' ', set, ' ', reset);
  }

  /** @param {UsageRow} r */
  function nameCell(r) {
    if (r.manager === null) return r.name;
    const button = el('button', { type: 'button', class: 'link' }, r.name);
    button.setAttribute('aria-label', `${r.name}: show the last 30 days`);
    button.addEventListener('click', () => showHistory(r.name));
    return button;
  }

  function render() {
    const text = filter.value.trim().toLowerCase();
    const key = SORT_KEYS[sortKey] ?? SORT_KEYS['name'];
    const shown = rows
      .filter(
        (r) =>
          text === '' || [r.db, r.name, r.displayName, ...r.groups].join(' ').toLowerCase().includes(text),
      )
      .sort((a, b) => {
        const x = key(a);
        const y = key(b);
        const order = x < y ? -1 : x > y ? 1 : 0;
        return ascending ? order : -order;
      });
    fillRows(
      tbody,
      shown.map((r) => [
        r.readOnly ? el('span', {}, r.db, ' ', el('small', { class: 'muted' }, '(read-only)')) : r.db,
        nameCell(r),
        r.displayName,
        r.groups.join(', '),
        r.consumption === null ? 'no quota' : `${r.consumption} of ${r.quota}`,
        bar(r),
        r.lastActivity === null ? '—' : timeElement(r.lastActivity),
        actions(r),
      ]),
      text === '' ? 'No users.' : 'No user matches the filter.',
    );
    for (const th of byId('usage-head').querySelectorAll('th[data-sort]')) {
      const k = th.getAttribute('data-sort');
      th.setAttribute('aria-sort', k === sortKey ? (ascending ? 'ascending' : 'descending') : 'none');
    }
  }

  async function load() {
    try {
      rows = /** @type {UsageRow[]} */ (await api('GET', '/api/admin/usage'));
      render();
    } catch (err) {
      fail(err, region);
    }
  }

  for (const th of byId('usage-head').querySelectorAll('th[data-sort]')) {
    const k = th.getAttribute('data-sort') ?? 'name';
    const button = el('button', { type: 'button', class: 'sort' }, ...th.childNodes);
    button.addEventListener('click', () => {
      ascending = sortKey === k ? !ascending : true;
      sortKey = k;
      render();
    });
    th.replaceChildren(button);
  }
  filter.addEventListener('input', render);
  byId('usage-refresh').addEventListener('click', () => void load());
  return { loaded: load(), reload: load };
}

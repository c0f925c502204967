// Admin: each group's download quota, changed at run time over the TOML value (kept by the gateway
// until reverted), shown as overridden beside the configured value.
import { api } from './api.js';
import { busy, byId, el, fillRows, say } from './dom.js';

/**
 * @typedef {{ manager: string, group: string, toml: string | null, override: string | null,
 *   quota: string, bytes: number }} GroupQuotaRow
 */

/**
 * @param {(err: unknown, region: HTMLElement) => void} fail
 * @param {() => Promise<void>} changed called after a change, so the usage table shows the new quotas
 */
export function startGroupQuotas(fail, changed) {
  const region = byId('group-quotas-message');
  const tbody = byId('group-quotas-rows');

  /**
   * @param {HTMLButtonElement} button
   * @param {string} question
   * @param {() => Promise<GroupQuotaRow>} call
   */
  function change(button, question, call) {
    if (!confirm(question)) return;
    void busy(button, async () => {
      say(region, '');
      try {
        const row = await call();
        say(region, `${row.group} of ${row.manager}: now ${row.quota}.`, 'ok');
        await load();
        await changed();
      } catch (err) {
        fail(err, region);
      }
    });
  }

  /** @param {GroupQuotaRow} r */
  function actions(r) {
    const path = `/api/admin/group-quotas/${encodeURIComponent(r.manager)}/${encodeURIComponent(r.group)}`;
    const size = /** @type {HTMLInputElement} */ (
      el('input', { 'aria-label': `New quota of ${r.group}`, placeholder: '5 GB', size: '8' })
    );
    const set = /** @type {HTMLButtonElement} */ (el('button', { type: 'button' }, 'Set'));
    set.setAttribute('aria-label', `Set the quota of ${r.group}`);
    set.addEventListener('click', () => {
      const text = size.value.trim();
      if (text === '') say(region, 'Write a size such as 5 GB first.');
      else change(set, `Set the quota of ${r.group} to ${text}?`, () => api('PUT', path, { quota: text }));
    });
    const parts = [size, ' ', set];
    if (r.override !== null) {
      const revert = /** @type {HTMLButtonElement} */ (el('button', { type: 'button' }, 'Revert'));
      revert.setAttribute('aria-label', `Revert the quota of ${r.group}`);
      revert.addEventListener('click', () =>
        change(revert, `Put the quota of ${r.group} back to ${r.toml ?? 'none'}?`, () => api('DELETE', path)),
      );
      parts.push(' ', revert);
    }
    return el('span', { class: 'inline' }, ...parts);
  }

  async function load() {
    try {
      const rows = /** @type {GroupQuotaRow[]} */ (await api('GET', '/api/admin/group-quotas'));
      fillRows(
        tbody,
        rows.map((r) => [
          r.manager,
          r.group,
          r.override === null
            ? r.quota
            : el('span', {}, r.quota, ' ', el('small', { class: 'muted' }, '(overridden)')),
          r.toml ?? '—',
          actions(r),
        ]),
        'No download quota.',
      );
    } catch (err) {
      fail(err, region);
    }
  }
  return load();
}

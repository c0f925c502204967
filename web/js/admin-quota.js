// Admin: set a user's consumption back to 0 (PUT /api/consumption/:user {bytes: 0}).
import { api } from './api.js';
import { busy, byId, el, say } from './dom.js';

/**
 * When there are several quota managers (dwnConsR), the admin picks one; with one, there is nothing
 * to pick and the API uses the rule's.
 * @param {(err: unknown, region: HTMLElement) => void} fail
 * @param {HTMLElement} region
 */
async function listQuotaManagers(fail, region) {
  try {
    const managers = /** @type {{ name: string, type: string }[]} */ (await api('GET', '/api/managers'));
    const quotas = managers.filter((m) => m.type === 'dwnConsR');
    if (quotas.length < 2) return;
    const select = byId('quota-manager');
    select.replaceChildren(...quotas.map((m) => el('option', { value: m.name }, m.name)));
    byId('quota-manager-field').hidden = false;
  } catch (err) {
    fail(err, region);
  }
}

/** @param {(err: unknown, region: HTMLElement) => void} fail */
export function startQuotaReset(fail) {
  const form = /** @type {HTMLFormElement} */ (byId('quota-form'));
  const region = byId('quota-message');
  const managerField = byId('quota-manager-field');

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const user = String(data.get('user') ?? '').trim();
    /** @type {{ bytes: number, manager?: string }} */
    const body = { bytes: 0 };
    if (!managerField.hidden) body.manager = String(data.get('manager') ?? '');
    const button = /** @type {HTMLButtonElement} */ (form.querySelector('button[type="submit"]'));
    void busy(button, async () => {
      say(region, '');
      try {
        const status = /** @type {{ user: string, consumption: string | null, quota: string | null }} */ (
          await api('PUT', `/api/consumption/${encodeURIComponent(user)}`, body)
        );
        const now = status.quota === null ? '' : `: now ${status.consumption} of ${status.quota}`;
        say(region, `Reset ${status.user}'s consumption${now}.`, 'ok');
        form.reset();
      } catch (err) {
        fail(err, region);
      }
    });
  });
  return listQuotaManagers(fail, region);
}

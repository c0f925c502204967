// The status page: who is logged in, the download quota as a bar, the next reset, and the discovery
// table. Logged out, it says so and still shows the discovery table (it explains why the proxy refuses).
import { api, isLoggedOut, loginPath } from './api.js';
import { byId, el, say } from './dom.js';
import { relativeTime, timeElement } from './format.js';
import { startDiscovery } from './discovery.js';
import { barChart } from './bar-chart.js';
import { wireLogout } from './logout.js';

/**
 * @typedef {{ user: string, name?: string | null, groups: string[], manager: string | null,
 *   quota: string | null, bytesQuota: number | null, consumption: string | null,
 *   bytesCons: number | null, resetAt: string | null, isAdmin: boolean,
 *   refusals?: { at: string, host: string, why: string }[] }} Status
 */

const message = byId('message');

/** @param {Status} status */
function showAccount(status) {
  const who = byId('user');
  who.replaceChildren(el('strong', {}, status.user));
  if (
    status.name !== undefined &&
    status.name !== null &&
    status.name !== '' &&
    status.name !== status.user
  ) {
    who.append(` (${status.name})`);
  }
  byId('groups').textContent = status.groups.length > 0 ? status.groups.join(', ') : 'none';
  byId('account').hidden = false;
  byId('admin-link').hidden = !status.isAdmin;
  byId('logout').hidden = false;
}

/** @param {Status} status */
function showQuota(status) {
  byId('quota').hidden = false;
  const { bytesQuota, bytesCons } = status;
  if (bytesQuota === null || bytesCons === null || status.quota === null) {
    byId('quota-details').hidden = true;
    byId('quota-none').hidden = false;
    return;
  }
  const meter = /** @type {HTMLMeterElement} */ (byId('quota-meter'));
  // A zero quota is "used up" from the first byte: show a full bar rather than divide by zero.
  const max = Math.max(bytesQuota, 1);
  meter.max = max;
  meter.low = max * 0.75;
  meter.high = max * 0.9;
  meter.optimum = 0;
  meter.value = Math.min(bytesCons, max);
  const text = `${status.consumption} of ${status.quota}`;
  meter.setAttribute('aria-valuetext', `${text} used`);
  meter.textContent = text;
  byId('quota-text').textContent = text;
  const used = bytesQuota > 0 ? Math.min(1, bytesCons / bytesQuota) : 1;
  // One decimal below 10 %, so a small download still shows as something.
  const percent = new Intl.NumberFormat(undefined, {
    style: 'percent',
    maximumFractionDigits: used < 0.1 ? 1 : 0,
  });
  // A few bytes of a large quota round to "0 %", which reads as "nothing counted".
  const shown = used > 0 && used < 0.001 ? `less than ${percent.format(0.001)}` : percent.format(used);
  byId('quota-percent').textContent = `(${shown} used)`;
  if (bytesCons >= bytesQuota && status.resetAt !== null) {
    byId('quota-percent').textContent = `(used up until ${new Date(status.resetAt).toLocaleString()})`;
  }
  if (status.resetAt !== null) {
    byId('quota-reset').replaceChildren(timeElement(status.resetAt, 'full'));
    byId('quota-reset-in').textContent = `(${relativeTime(status.resetAt)})`;
  } else {
    byId('quota-reset').textContent = 'never';
  }
}

/** @param {{ at: string, host: string, why: string }[]} refusals */
function showRefusals(refusals) {
  byId('refusals').hidden = refusals.length === 0;
  byId('refusals-list').replaceChildren(
    ...refusals.map((r) =>
      el('li', {}, timeElement(r.at, 'short'), ' ', el('strong', {}, r.host), `: ${r.why}`),
    ),
  );
}

/** The caller's bytes per day under the quota shown above; nothing without a quota. */
async function showHistory() {
  const history =
    /** @type {{ manager: string | null, description: string | null,
     *   days: { day: string, bytes: number }[] }} */ (await api('GET', '/api/history'));
  if (history.manager === null) return;
  byId('history-chart').replaceChildren(barChart(history.days, 'Downloaded per day'));
  byId('history').hidden = false;
}

async function showStatus() {
  try {
    const status = /** @type {Status} */ (await api('GET', '/api/status'));
    showAccount(status);
    showQuota(status);
    showRefusals(status.refusals ?? []);
    if (status.manager !== null) await showHistory();
  } catch (err) {
    if (isLoggedOut(err)) {
      // Logged out, the address's refusals still say why (a login page that cannot be reached …).
      void api('GET', '/api/refusals').then(
        (list) => showRefusals(/** @type {{ at: string, host: string, why: string }[]} */ (list)),
        () => undefined,
      );
      message.replaceChildren(
        'You are not logged in. ',
        el('a', { href: loginPath('/status') }, 'Log in'),
        ' to see your quota.',
      );
      message.dataset.kind = 'info';
      return;
    }
    say(message, err instanceof Error ? err.message : String(err));
  }
}

wireLogout((text) => say(message, text));
await Promise.all([showStatus(), startDiscovery()]);

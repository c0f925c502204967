// Admin: the proxy's flows in flight (user, client, target, bytes so far, rate), refreshed every few
// seconds, each with a "Cut" button (confirmed first).
import { api } from './api.js';
import { busy, byId, el, fillRows, say } from './dom.js';
import { sizeText as size } from './format.js';

const REFRESH_MS = 3000;

/**
 * @typedef {{ id: number, user: string | null, client: string, method: string, host: string,
 *   port: number, down: number, startedAt: string, rate: number }} LiveFlow
 */

/** @param {(err: unknown, region: HTMLElement) => void} fail */
export function startConnections(fail) {
  const region = byId('connections-message');
  const tbody = byId('connections-rows');

  /** @param {LiveFlow} f */
  function cutButton(f) {
    const who = f.user ?? f.client;
    const button = /** @type {HTMLButtonElement} */ (
      el('button', { type: 'button', class: 'danger' }, 'Cut')
    );
    button.setAttribute('aria-label', `Cut ${who}'s connection to ${f.host}:${f.port}`);
    button.addEventListener('click', () => {
      if (!confirm(`Cut ${who}'s connection to ${f.host}:${f.port}?`)) return;
      void busy(button, async () => {
        try {
          await api('DELETE', `/api/admin/connections/${f.id}`);
          say(region, `Cut ${who}'s connection to ${f.host}:${f.port}.`, 'ok');
          await load();
        } catch (err) {
          fail(err, region);
        }
      });
    });
    return button;
  }

  async function load() {
    try {
      const flows = /** @type {LiveFlow[]} */ (await api('GET', '/api/admin/connections'));
      fillRows(
        tbody,
        flows.map((f) => [
          f.user ?? '—',
          f.client,
          `${f.host}:${f.port}`,
          size(f.down),
          `${size(f.rate)}/s`,
          cutButton(f),
        ]),
        'No connection in flight.',
      );
    } catch (err) {
      fail(err, region);
    }
  }
  setInterval(() => {
    if (!document.hidden) void load();
  }, REFRESH_MS);
  return load();
}

// Admin: the open sessions (GET /api/sessions) with a button to close each user's (DELETE).
import { api } from './api.js';
import { busy, byId, el, fillRows, say } from './dom.js';
import { relativeTime, timeElement } from './format.js';

/** @typedef {{ manager: string, ip: string, user: string, openedAt: string, lastSeen: string }} Session */

/**
 * @param {(err: unknown, region: HTMLElement) => void} fail
 * @param {(users: string[]) => void} onUsers
 */
export function startSessions(fail, onUsers) {
  const rows = byId('sessions-rows');
  const region = byId('sessions-message');

  /** @param {Session} session */
  function closeButton(session) {
    const button = el(
      'button',
      { type: 'button', 'aria-label': `Close ${session.user}'s sessions`, 'data-user': session.user },
      'Close',
    );
    button.addEventListener('click', () => {
      void busy(/** @type {HTMLButtonElement} */ (button), async () => {
        try {
          const { closed } = /** @type {{ closed: number }} */ (
            await api('DELETE', `/api/sessions/${encodeURIComponent(session.user)}`)
          );
          say(region, `Closed ${closed} session${closed === 1 ? '' : 's'} of ${session.user}.`, 'ok');
        } catch (err) {
          fail(err, region);
        }
        await load();
      });
    });
    return button;
  }

  /** @param {string} iso */
  function lastSeen(iso) {
    return el(
      'span',
      {},
      timeElement(iso, 'short'),
      el('span', { class: 'muted' }, ` (${relativeTime(iso)})`),
    );
  }

  async function load() {
    try {
      const sessions = /** @type {Session[]} */ (await api('GET', '/api/sessions'));
      sessions.sort((a, b) => a.user.localeCompare(b.user) || a.ip.localeCompare(b.ip));
      fillRows(
        rows,
        sessions.map((s) => [
          s.user,
          el('code', {}, s.ip),
          s.manager,
          timeElement(s.openedAt, 'short'),
          lastSeen(s.lastSeen),
          closeButton(s),
        ]),
        'Nobody is logged in.',
      );
      onUsers(sessions.map((s) => s.user));
    } catch (err) {
      fail(err, region);
    }
  }

  byId('sessions-refresh').addEventListener('click', (event) => {
    const button = /** @type {HTMLButtonElement} */ (event.currentTarget);
    void busy(button, async () => {
      say(region, '');
      await load();
    });
  });
  return load();
}

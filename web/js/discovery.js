// The discovery table: what the proxy's rule says for this browser's address (GET /api/discover),
// optionally for one URL. It needs no login, so it also explains a denial to someone logged out.
import { api } from './api.js';
import { byId, el, fillRows, say } from './dom.js';

/**
 * @typedef {{ name: string, type: string, match: boolean | null, reason?: string,
 *   description?: string, quotaExhausted?: boolean, resetsAt?: string }} Consulted
 */
/** @typedef {{ result: string, allow: boolean, managers: Consulted[] }} Discovery */

/** @param {boolean | null} match */
function verdict(match) {
  const [mark, words, kind] =
    match === true
      ? ['✓', 'matches', 'ok']
      : match === false
        ? ['✗', 'does not match', 'no']
        : ['?', 'depends on the web address', 'unknown'];
  // The mark is for the eye; screen readers get the words instead.
  return el(
    'span',
    { class: `verdict ${kind}`, title: words },
    el('span', { 'aria-hidden': 'true' }, mark),
    el('span', { class: 'visually-hidden' }, words),
  );
}

/**
 * @param {Discovery} found
 * @param {string} url
 */
function summary(found, url) {
  const where = url === '' ? '' : ` to ${url}`;
  if (found.allow) return `The proxy lets you through${where}.`;
  const usedUp = found.managers.find((m) => m.quotaExhausted === true);
  if (usedUp !== undefined) {
    const what = usedUp.description ?? 'Your download quota';
    const until = usedUp.resetsAt === undefined ? '' : ` until ${new Date(usedUp.resetsAt).toLocaleString()}`;
    const rest =
      found.result === 'false'
        ? ''
        : ' Only addresses that do not count against it still load; check one below.';
    return `${what} is used up${until}.${rest}`;
  }
  if (found.result === 'false') return `The proxy refuses your requests${where}.`;
  return `It depends on the web address you visit (still to decide: ${found.result}). Check one below.`;
}

/** Fills the table and keeps the "check a web address" form working. */
export function startDiscovery() {
  const form = /** @type {HTMLFormElement} */ (byId('discover-form'));
  const rows = byId('discover-rows');
  const status = byId('discover-summary');

  /** @param {string} url */
  async function show(url) {
    try {
      const query = url === '' ? '' : `?url=${encodeURIComponent(url)}`;
      const found = /** @type {Discovery} */ (await api('GET', `/api/discover${query}`));
      say(status, summary(found, url), found.allow ? 'ok' : 'info');
      fillRows(
        rows,
        found.managers.map((m) => [
          m.description ?? m.name,
          m.description === undefined ? m.type : `${m.name} (${m.type})`,
          verdict(m.match),
          m.reason ?? '',
        ]),
        'The rule was decided without consulting any manager.',
      );
    } catch (err) {
      say(status, err instanceof Error ? err.message : String(err), 'error');
      fillRows(rows, [], 'Not available.');
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const url = String(new FormData(form).get('url') ?? '').trim();
    void show(url);
  });
  return show('');
}

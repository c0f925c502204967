// The admin page: checks the caller is an admin, then starts its sections (sessions, usage, group
// quotas, connections, stored files, quota reset, users and groups). Each section reports its own
// errors; being logged out or not (or no longer) allowed is reported once, for the whole page.
import { api, ApiError, isLoggedOut, loginPath } from './api.js';
import { byId, el, say, sentence } from './dom.js';
import { wireLogout } from './logout.js';
import { startSessions } from './admin-sessions.js';
import { startQuotaReset } from './admin-quota.js';
import { startUsers } from './admin-users.js';
import { startUsage } from './admin-usage.js';
import { startGroupQuotas } from './admin-group-quotas.js';
import { startConnections } from './admin-connections.js';
import { startHistory } from './admin-history.js';
import { startFiles } from './admin-files.js';

const message = byId('message');
const sections = byId('admin');

/** @param {string} text */
function refuse(text) {
  sections.hidden = true;
  message.replaceChildren(sentence(text), ' ', el('a', { href: '/status' }, 'Back to your status'));
  message.dataset.kind = 'error';
}

/**
 * What every section does with a failed call: page-wide problems here, the rest in its own region.
 * @param {unknown} err
 * @param {HTMLElement} region
 */
function fail(err, region) {
  if (isLoggedOut(err)) {
    location.replace(loginPath('/admin'));
    return;
  }
  if (err instanceof ApiError && err.status === 403 && err.code !== 'csrf') {
    refuse(err.message);
    return;
  }
  say(region, err instanceof Error ? err.message : String(err));
}

/** True when the page may go on: the caller is logged in and listed as an admin. */
async function checkAdmin() {
  try {
    const me = /** @type {{ user: string, isAdmin: boolean }} */ (await api('GET', '/api/status'));
    if (me.isAdmin) return true;
    refuse(`You are logged in as ${me.user}, who is not an admin. This page is for administrators.`);
  } catch (err) {
    fail(err, message);
  }
  return false;
}

wireLogout((text) => say(message, text));
if (await checkAdmin()) {
  sections.hidden = false;
  const known = byId('known-users');
  /** @type {Map<string, Set<string>>} */
  const users = new Map();
  /**
   * Sections report the user names they know, for the quota form's suggestions.
   * @param {string} source
   * @param {string[]} names
   */
  const offer = (source, names) => {
    users.set(source, new Set(names));
    const all = [...new Set([...users.values()].flatMap((s) => [...s]))].sort();
    known.replaceChildren(...all.map((name) => el('option', { value: name })));
  };
  const history = startHistory(fail);
  const usage = startUsage(fail, (name) => void history.showUser(name));
  await Promise.all([
    history.loaded,
    startSessions(fail, (names) => offer('sessions', names)),
    startQuotaReset(fail),
    startUsers(fail, (names) => offer('users', names)),
    usage.loaded,
    startGroupQuotas(fail, usage.reload),
    startConnections(fail),
    startFiles(fail),
  ]);
}

// Admin: the users of every user database and their groups; those of [sqlDB] can be added, edited
// (display name, groups, password) and deleted. Users of [mapDB] live in managers.toml: read-only.
import { api, ApiError } from './api.js';
import { busy, byId, el, fillRows, say } from './dom.js';

/**
 * @typedef {{ name: string, displayName?: string | null, groups: string[], db: string, kind: string,
 *   readOnly: boolean }} User
 */
/** @typedef {(err: unknown, region: HTMLElement) => void} Fail */

/** "staff, students ,, staff" → ["staff", "students"] @param {string} text */
function parseGroups(text) {
  return [
    ...new Set(
      text
        .split(',')
        .map((g) => g.trim())
        .filter((g) => g !== ''),
    ),
  ];
}

/** @param {FormData} data @param {string} name */
function field(data, name) {
  return String(data.get(name) ?? '');
}

/**
 * @param {Fail} fail
 * @param {(users: string[]) => void} onUsers
 */
export function startUsers(fail, onUsers) {
  const region = byId('users-message');
  const rows = byId('users-rows');
  const dialog = /** @type {HTMLDialogElement} */ (byId('edit-dialog'));
  const editForm = /** @type {HTMLFormElement} */ (byId('edit-form'));
  const editMessage = byId('edit-message');
  /** @type {User | undefined} */
  let editing;

  /** @param {User} user */
  function openEditor(user) {
    editing = user;
    byId('edit-title').textContent = `Edit ${user.name}`;
    editForm.reset();
    /** @type {HTMLInputElement} */ (byId('edit-display')).value = user.displayName ?? '';
    /** @type {HTMLInputElement} */ (byId('edit-groups')).value = user.groups.join(', ');
    say(editMessage, '');
    dialog.showModal();
  }

  /** @param {User} user */
  async function remove(user) {
    if (!confirm(`Delete ${user.name}? Their sessions are closed too.`)) return;
    try {
      await api('DELETE', `/api/users/${encodeURIComponent(user.name)}`);
      say(region, `Deleted ${user.name}.`, 'ok');
    } catch (err) {
      fail(err, region);
    }
    await load();
  }

  /** @param {User} user */
  function actions(user) {
    if (user.readOnly) return el('span', { class: 'muted' }, 'in managers.toml');
    const edit = el('button', { type: 'button', 'aria-label': `Edit ${user.name}` }, 'Edit');
    edit.addEventListener('click', () => openEditor(user));
    const del = el(
      'button',
      { type: 'button', class: 'danger', 'aria-label': `Delete ${user.name}` },
      'Delete',
    );
    del.addEventListener(
      'click',
      () => void busy(/** @type {HTMLButtonElement} */ (del), () => remove(user)),
    );
    return el('span', { class: 'row-actions' }, edit, del);
  }

  async function load() {
    try {
      const [users, groups] = await Promise.all([api('GET', '/api/users'), api('GET', '/api/groups')]);
      const list = /** @type {User[]} */ (users);
      fillRows(
        rows,
        list.map((u) => [
          u.name,
          u.displayName ?? '',
          u.groups.join(', '),
          `${u.db} (${u.kind})`,
          actions(u),
        ]),
        'No users yet.',
      );
      const members = /** @type {{ name: string, members: string[] }[]} */ (groups);
      fillRows(
        byId('groups-rows'),
        members.map((g) => [g.name, g.members.join(', ')]),
        'No groups yet.',
      );
      byId('users').hidden = false;
      onUsers(list.map((u) => u.name));
    } catch (err) {
      fail(err, region);
    }
  }

  const addForm = /** @type {HTMLFormElement} */ (byId('add-user-form'));
  addForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(addForm);
    /** @type {{ name: string, pass: string, groups: string[], displayName?: string }} */
    const body = {
      name: field(data, 'name').trim(),
      pass: field(data, 'pass'),
      groups: parseGroups(field(data, 'groups')),
    };
    const displayName = field(data, 'displayName').trim();
    if (displayName !== '') body.displayName = displayName;
    const button = /** @type {HTMLButtonElement} */ (addForm.querySelector('button[type="submit"]'));
    void busy(button, async () => {
      try {
        await api('POST', '/api/users', body);
        say(region, `Added ${body.name}.`, 'ok');
        addForm.reset();
      } catch (err) {
        fail(err, region);
      }
      await load();
    });
  });

  editForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const user = editing;
    if (user === undefined) return;
    const data = new FormData(editForm);
    /** @type {{ displayName: string, groups: string[], pass?: string }} */
    const body = {
      // An emptied display name falls back to the user name, as when the user was added without one.
      displayName: field(data, 'displayName').trim() || user.name,
      groups: parseGroups(field(data, 'groups')),
    };
    const pass = field(data, 'pass');
    if (pass !== '') body.pass = pass;
    const button = /** @type {HTMLButtonElement} */ (editForm.querySelector('button[type="submit"]'));
    void busy(button, async () => {
      try {
        await api('PATCH', `/api/users/${encodeURIComponent(user.name)}`, body);
      } catch (err) {
        // Problems with what was typed belong next to it; the rest (logged out …) to the page.
        if (err instanceof ApiError && (err.status === 400 || err.status === 404 || err.status === 409))
          say(editMessage, err.message);
        else {
          dialog.close();
          fail(err, region);
        }
        return;
      }
      dialog.close();
      say(region, `Saved ${user.name}${pass === '' ? '' : ' (new password)'}.`, 'ok');
      await load();
    });
  });
  byId('edit-cancel').addEventListener('click', () => dialog.close());

  return load();
}

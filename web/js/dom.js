// Small DOM helpers so the page modules stay declarative without a framework. Text always goes in as
// text (never innerHTML): user names, reasons and URLs come from the server and from other users.

/**
 * An element with attributes (boolean true = present, false/undefined = absent) and children.
 * @param {string} tag
 * @param {Record<string, string | boolean | undefined>} [attrs]
 * @param {...(Node | string)} children
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === true) node.setAttribute(name, '');
    else if (typeof value === 'string') node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

/**
 * The element with that id; a missing one is a bug in the page, so fail loudly.
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`page has no #${id}`);
  return node;
}

/**
 * Replaces the rows of a table body; `empty` is shown in one full-width row when there are none.
 * @param {HTMLElement} tbody
 * @param {(Node | string)[][]} rows
 * @param {string} empty
 */
export function fillRows(tbody, rows, empty) {
  const table = tbody.closest('table');
  const columns = table?.querySelectorAll('thead th').length ?? 1;
  if (rows.length === 0) {
    tbody.replaceChildren(el('tr', {}, el('td', { colspan: String(columns), class: 'empty' }, empty)));
    return;
  }
  tbody.replaceChildren(...rows.map((cells) => el('tr', {}, ...cells.map((c) => el('td', {}, c)))));
}

/** API messages are terse lower-case phrases; shown to people they read better as sentences. @param {string} text */
export function sentence(text) {
  const t = text.trim();
  if (t === '') return t;
  return t[0].toUpperCase() + t.slice(1) + (/[.!?)]$/u.test(t) ? '' : '.');
}

/**
 * Shows a message in a live region (role="alert" or role="status"); empty text clears it. The region
 * stays in the page (CSS hides it while empty): screen readers announce changes to a live region
 * reliably only when it was already there.
 * @param {HTMLElement} region
 * @param {string} text
 * @param {'error' | 'ok' | 'info'} [kind]
 */
export function say(region, text, kind = 'error') {
  region.textContent = text === '' ? '' : sentence(text);
  region.dataset.kind = kind;
}

/**
 * Runs an action while `button` shows it is busy, so a second click cannot send it twice.
 * @param {HTMLButtonElement} button
 * @param {() => Promise<void>} action
 */
export async function busy(button, action) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await action();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

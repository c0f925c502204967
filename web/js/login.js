// The login page: POST /api/login (which sets the cookies), then back to `next` or to the status page.
import { api, ApiError } from './api.js';
import { busy, byId, say } from './dom.js';
import { describeNext, safeNext } from './next-url.js';

const form = /** @type {HTMLFormElement} */ (byId('login-form'));
const error = byId('login-error');
const next = safeNext(new URLSearchParams(location.search).get('next'), location.origin);

const destination = describeNext(next, location.origin);
if (destination !== undefined) {
  byId('next-host').textContent = destination;
  byId('next-note').hidden = false;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const user = String(data.get('user') ?? '').trim();
  const pass = String(data.get('pass') ?? '');
  const button = /** @type {HTMLButtonElement} */ (form.querySelector('button[type="submit"]'));
  void busy(button, async () => {
    say(error, '');
    try {
      await api('POST', '/api/login', { user, pass });
    } catch (err) {
      say(error, err instanceof ApiError ? err.message : String(err));
      const field = /** @type {HTMLInputElement} */ (form.elements.namedItem('pass'));
      field.select();
      field.focus();
      return;
    }
    // replace: Back should not return to a login form that has done its job.
    location.replace(next);
  });
});

// The landing page sends people where they most likely want to be: their status when logged in, the
// login form otherwise. The links stay on the page in case the API cannot be reached.
import { api, isLoggedOut } from './api.js';
import { byId, say } from './dom.js';

try {
  await api('GET', '/api/status');
  location.replace('/status');
} catch (err) {
  if (isLoggedOut(err)) location.replace('/login');
  else say(byId('message'), err instanceof Error ? err.message : String(err));
}

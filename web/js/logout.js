// The "Log out" button every signed-in page carries (button[data-logout]).
import { api, ApiError } from './api.js';
import { busy } from './dom.js';

/**
 * Wires the page's logout buttons; `onError` shows a failure where the page shows its messages.
 * @param {(message: string) => void} onError
 */
export function wireLogout(onError) {
  for (const button of document.querySelectorAll('button[data-logout]')) {
    if (!(button instanceof HTMLButtonElement)) continue;
    button.addEventListener('click', () => {
      void busy(button, async () => {
        try {
          await api('POST', '/api/logout');
        } catch (err) {
          // Already logged out (session closed, expired) is what the user asked for anyway.
          if (!(err instanceof ApiError && err.status === 401)) {
            onError(err instanceof Error ? err.message : String(err));
            return;
          }
        }
        location.assign('/login');
      });
    });
  }
}

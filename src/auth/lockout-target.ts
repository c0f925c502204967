import { isIP } from 'node:net';
import { normalizeIp } from '../util/ip.js';

/** What `pmproxy login unlock X` and `DELETE /api/logins/X` lift: an address's counts, or a user's. */
export function lockoutTarget(addressOrUser: string): { ip: string } | { user: string } {
  const bare = addressOrUser.trim().replace(/^\[(.*)\]$/u, '$1');
  return isIP(bare) !== 0 ? { ip: normalizeIp(bare) } : { user: addressOrUser };
}

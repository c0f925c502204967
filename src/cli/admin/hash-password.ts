import { hashPassword } from '../../auth/passwords.js';
import { promptPassword } from '../read-password.js';

/** Prints an argon2id hash to paste into `[mapDB.userPass]` instead of a plaintext password. */
export async function hashPasswordCommand(): Promise<number> {
  const pass = await promptPassword('Password: ');
  if (pass === '') {
    process.stderr.write('pmproxy: empty password\n');
    return 1;
  }
  process.stdout.write(`${await hashPassword(pass)}\n`);
  return 0;
}

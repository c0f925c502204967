import type { Page } from 'playwright-core';
import { hashPassword } from '../../src/auth/passwords.js';

/**
 * The browser tests' managers.toml: a rule that needs a session (a browser that has not logged in
 * is denied), alice and bob students with 100 MB a day, admin staff with 1 GB.
 */
export async function webPagesManagersToml(): Promise<string> {
  const [alice, admin, bob] = await Promise.all([
    hashPassword('alice-pass'),
    hashPassword('admin-pass'),
    hashPassword('bob-pass'),
  ]);
  return `
rule = "sessions ∧ down"
admins = ["admin"]
[mapDB]
name = "users"
[mapDB.userPass]
alice = "${alice}"
admin = "${admin}"
bob = "${bob}"
[mapDB.userGroup]
alice = ["students"]
admin = ["staff"]
bob = ["students"]
[sqlDB]
name = "local"
[[sessionIPM]]
name = "sessions"
auth = "users"
[[dwnConsR]]
name = "down"
userDBN = "users"
resetCycle = "24h"
[dwnConsR.groupQuota]
students = "100 MB"
staff = "1 GB"
`;
}

/** Fills in and sends the login page's form. */
export async function logIn(page: Page, user: string, pass: string): Promise<void> {
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(pass);
  await page.getByRole('button', { name: 'Log in' }).click();
}

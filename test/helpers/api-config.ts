/**
 * managers.toml for API tests: plaintext mapDB passwords (verified without argon2's cost), a 1 KB
 * quota for students and 1 MB for staff, `admin` listed in admins, a sqlDB for the user routes.
 */
export function apiManagersToml(extra = '', rule = 'sessions ∧ down'): string {
  return `rule = "${rule}"
admins = ["admin"]
jwtExpiration = "1m"
${extra}
[mapDB]
name = "users"
[mapDB.userPass]
alice = "alice-pass"
bob = "bob-pass"
admin = "admin-pass"
[mapDB.userGroup]
alice = ["students"]
bob = ["students", "staff"]
admin = ["staff"]
[mapDB.displayName]
alice = "Alice Liddell"

[sqlDB]
name = "local"

[[sessionIPM]]
name = "sessions"
auth = "users"
idleTimeout = "30m"
lifetime = "2h"

[[dwnConsR]]
name = "down"
userDBN = "users"
resetCycle = "24h"
[dwnConsR.groupQuota]
students = "1 KB"
staff = "1 MB"
`;
}

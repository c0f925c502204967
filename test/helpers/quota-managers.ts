/** managers.toml of a gateway that lets carol in by proxy credentials and charges her downloads. */
export const CAROL_QUOTA_MANAGERS = `
rule = "auth ∧ down"
[mapDB]
name = "users"
[mapDB.userPass]
carol = "carol-pass"
[mapDB.userGroup]
carol = ["g"]
[[proxyAuth]]
name = "auth"
auth = "users"
[[dwnConsR]]
name = "down"
userDBN = "users"
resetCycle = "168h"
[dwnConsR.groupQuota]
g = "1 GB"
`;

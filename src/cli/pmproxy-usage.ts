/** Every pmproxy command line; `pmproxy X --help` prints the lines of X. */
const LINES = `usage: pmproxy [serve] [--config DIR]          run the gateway
       pmproxy check-config [--config DIR]     check the configuration without serving
       pmproxy reload [--config DIR]           the running server reloads it; prints the result
       pmproxy hash-password                   read a password on stdin, print its argon2 hash
       pmproxy user ls [--json]                 every user of every user database
       pmproxy user add USER [--group G]... [--name "Full Name"] [--password-stdin] [--db SQLDB]
       pmproxy user passwd USER [--password-stdin]
       pmproxy user del USER
       pmproxy user groups USER [G...]          show, or replace, a user's groups
       pmproxy quota show USER [--json]         consumption and quota under every quota manager
       pmproxy quota reset USER [--manager M]   set consumption to 0
       pmproxy session ls [--manager M] [--json]
       pmproxy session open USER IP [--manager M]
       pmproxy session close IP|USER [--manager M]
       pmproxy files ls [--prefix P] [--json]   stored uploads, and the space they take
       pmproxy files rm PATH...                 delete stored files, with all their versions
       pmproxy login ls [--json]                addresses and users locked out by failed logins
       pmproxy login unlock ADDRESS|USER        lift a lockout (applies to a running server at once)
       pmproxy --version`;

const NOTES = `
Every command takes --config DIR (default $PMPROXY_CONFIG, then ~/.config/pmproxy) and --help.
'user' lists every user database and changes the users of [sqlDB] (those written in managers.toml
are read-only here). quota show|reset and session ls ask the running server for its live figures
when it runs on this configuration, and otherwise read the store (figures then up to [store]
consumptionInterval / [api] persistInterval old). files commands need [files] in server.toml; PATH
is as stored, "/"-separated, without the [files] prefix.
Exit status: 0 ok, 1 failed, 2 usage error, 78 configuration error.`;

export const USAGE = `${LINES}\n${NOTES}`;

/** The usage of `pmproxy WORDS…` (e.g. ["quota", "reset"]): its lines, or all of them. */
export function usageOf(words: readonly string[]): string {
  const lines = LINES.split('\n').map((l) => l.replace(/^usage: /u, '').trim());
  for (let n = words.length; n > 0; n -= 1) {
    const prefix = `pmproxy ${words.slice(0, n).join(' ')}`;
    const found = lines.filter((l) => l === prefix || l.startsWith(`${prefix} `));
    if (found.length > 0) return `usage: ${found.join('\n       ')}\n${NOTES}`;
  }
  return USAGE;
}

const COMMANDS = `usage: pmcl <command> [flags] [args]
  d  | discover [URL]                     how the proxy rule judges this machine (and URL); no login
  l  | login [-m manager] URL user [pass] log in to the API at URL (https://host:port)
  o  | logout                             close the session
  s  | status [user]                      quota and consumption (another user's: admins)
  lu | logged-users                       open sessions, "ip - user" (admins)
  r  | reset [-m manager] user            set a user's consumption to 0 (admins)
  sh | show manager                       a manager's settings as JSON (admins)`;

/** Printed after a usage error: the commands, and where the rest is. */
export const SHORT_USAGE = `${COMMANDS}
Flags and details: pmcl help`;

export const USAGE = `${COMMANDS}

flags:
  --server URL       the API to talk to (default: $PMCL_SERVER, then the one logged in to)
  --json             print the API's JSON, for scripts
  --password-stdin   login: read the password from standard input
  --ca FILE          trust certificates signed by this CA (PEM), remembered for the server
  --pin SHA256       trust the certificate with this SHA-256 fingerprint, remembered for the server

State (session token, trusted certificates) is kept in $XDG_CONFIG_HOME/pmcl (default ~/.config/pmcl).
Exit status: 0 ok, 1 denied or failed, 2 usage error.`;

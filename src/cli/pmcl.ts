#!/usr/bin/env node
// pmcl, the command-line client of the HTTPS API. The API and its commands arrive with the API work
// (d, l, o, s, lu, r, sh); until then this says so plainly rather than pretend.
const USAGE = `usage: pmcl <command> [args]
  d|discover [URL]   l|login [-m manager] URL user [pass]   o|logout   s|status [user]
  lu|logged-users    r|reset user   sh|show manager
pmcl's commands need the gateway's HTTPS API, which this version does not serve yet.`;

process.stderr.write(`${USAGE}\n`);
process.exitCode = process.argv.length > 2 ? 1 : 2;

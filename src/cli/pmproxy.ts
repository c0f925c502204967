#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { configDirFrom } from './config-dir.js';
import { serve } from './serve.js';
import { runCheckConfig } from './check-config.js';
import { runAdminCommand } from './admin/dispatch.js';
import { hashPasswordCommand } from './admin/hash-password.js';
import { EXIT_USAGE, UsageError } from './usage-error.js';
import { exitQuietlyOnClosedPipe } from './closed-pipe.js';

const USAGE = `usage: pmproxy [serve] [--config DIR]          run the gateway
       pmproxy check-config [--config DIR]     check the configuration without serving
       pmproxy hash-password                   read a password on stdin, print its argon2 hash
       pmproxy user add USER [--group G]... [--name "Full Name"] [--password-stdin]
       pmproxy user passwd USER [--password-stdin]
       pmproxy user del USER
       pmproxy user groups USER [G...]          show, or replace, a user's groups
       pmproxy user ls
       pmproxy quota show USER                  consumption and quota under every dwnConsR
       pmproxy quota reset USER [--manager M]   set consumption to 0
       pmproxy session ls [--manager M]
       pmproxy session open USER IP [--manager M]
       pmproxy session close IP|USER [--manager M]
       pmproxy files ls [--prefix P] [--json]   stored uploads, and the space they take
       pmproxy files rm PATH...                 delete stored files, with all their versions
       pmproxy login ls [--json]                addresses and users locked out by failed logins
       pmproxy login unlock ADDRESS|USER        lift a lockout (applies to a running server at once)

DIR defaults to $PMPROXY_CONFIG, then ~/.config/pmproxy. Users for 'user' commands live in the
configuration's [sqlDB]; quota, session and files commands work on the store the server uses, even
while it runs (the server picks up quota and session changes at its next persist interval; files
changes at once). files commands need [files] in server.toml; PATH is as stored, "/"-separated,
without the [files] prefix.`;

async function main(argv: string[]): Promise<number> {
  const command = argv[0] !== undefined && !argv[0].startsWith('-') ? argv[0] : 'serve';
  const rest = command === argv[0] ? argv.slice(1) : argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({
        args: rest,
        options: { config: { type: 'string', short: 'c' } },
        strict: true,
      });
      return serve(configDirFrom(values.config));
    }
    case 'check-config':
      return runCheckConfig(rest);
    case 'hash-password':
      return hashPasswordCommand();
    case 'user':
    case 'quota':
    case 'session':
    case 'files':
    case 'login':
      return runAdminCommand(command, rest);
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

exitQuietlyOnClosedPipe();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (
      err instanceof UsageError ||
      (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`pmproxy: ${err.message}\n${USAGE}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    process.stderr.write(`pmproxy: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);

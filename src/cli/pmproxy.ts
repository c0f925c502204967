#!/usr/bin/env node
import { runReload } from './reload-command.js';
import { parseArgs } from 'node:util';
import { configDirFrom } from './config-dir.js';
import { serve } from './serve.js';
import { runCheckConfig } from './check-config.js';
import { runAdminCommand } from './admin/dispatch.js';
import { hashPasswordCommand } from './admin/hash-password.js';
import { EXIT_FAILED, EXIT_USAGE, UsageError } from './usage-error.js';
import { exitQuietlyOnClosedPipe } from './closed-pipe.js';
import { CommandError } from './command-error.js';
import { ConfigError, EX_CONFIG, formatIssue } from '../config/issues.js';
import { USAGE, usageOf } from './pmproxy-usage.js';
import { packageVersion } from './version.js';

const ADMIN_AREAS = ['user', 'quota', 'session', 'files', 'login'] as const;
type AdminArea = (typeof ADMIN_AREAS)[number];
const isAdminArea = (word: string): word is AdminArea => (ADMIN_AREAS as readonly string[]).includes(word);

async function main(argv: string[]): Promise<number> {
  const command = argv[0] !== undefined && !argv[0].startsWith('-') ? argv[0] : 'serve';
  const rest = command === argv[0] ? argv.slice(1) : argv;
  if (rest.includes('--version') || rest.includes('-V')) {
    process.stdout.write(`pmproxy ${packageVersion()}\n`);
    return 0;
  }
  if (command === 'help' || rest.includes('--help') || rest.includes('-h')) {
    const words = command === 'help' ? rest : [command, ...rest.filter((w) => !w.startsWith('-'))];
    process.stdout.write(`${command === 'serve' && argv[0] !== 'serve' ? USAGE : usageOf(words)}\n`);
    return 0;
  }
  if (command === 'serve') {
    const { values } = parseArgs({
      args: rest,
      options: { config: { type: 'string', short: 'c' } },
      strict: true,
    });
    return serve(configDirFrom(values.config));
  }
  if (command === 'check-config') return runCheckConfig(rest);
  if (command === 'reload') return runReload(rest);
  if (command === 'hash-password') return hashPasswordCommand();
  if (isAdminArea(command)) return runAdminCommand(command, rest);
  throw new UsageError(`unknown command "${command}"`);
}

/** Node's parser says "Unknown option '--x'. To specify a positional argument starting with a '-' …". */
function parserMessage(err: Error): string {
  return err.message.split('. ')[0]?.replace(/\.$/u, '') ?? err.message;
}

const isParseArgsError = (err: unknown): err is TypeError =>
  err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS');

exitQuietlyOnClosedPipe();
const argv = process.argv.slice(2);
main(argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const words = argv.filter((w) => !w.startsWith('-')).slice(0, 2);
    if (err instanceof UsageError || isParseArgsError(err)) {
      const text = err instanceof UsageError ? err.message : parserMessage(err);
      process.stderr.write(`pmproxy: ${text}\n${usageOf(words)}\n`);
      process.exitCode = EXIT_USAGE;
    } else if (err instanceof ConfigError) {
      for (const issue of err.issues) process.stderr.write(`${formatIssue(issue)}\n`);
      process.stderr.write(
        `pmproxy: the configuration has ${err.issues.length} error(s); see 'pmproxy check-config'\n`,
      );
      process.exitCode = EX_CONFIG;
    } else if (err instanceof CommandError) {
      process.stderr.write(`pmproxy: ${err.message}\n`);
      process.exitCode = EXIT_FAILED;
    } else {
      // Not an expected failure: where it came from is what a bug report needs.
      process.stderr.write(`pmproxy: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = EXIT_FAILED;
    }
  },
);

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPmcl } from '../../src/cli/pmcl/run.js';
import type { Terminal } from '../../src/cli/pmcl/terminal.js';
import { runFromSources } from './gateway.js';

export interface PmclResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A home for pmcl's state (XDG_CONFIG_HOME and HOME), removed by cleanup. */
export function pmclHome(): { dir: string; env: NodeJS.ProcessEnv; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pmcl-test-'));
  return {
    dir,
    env: { HOME: dir, XDG_CONFIG_HOME: join(dir, '.config') },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A terminal for in-process runs: a person (who answers `answer`) or a script. */
export function fakeTerminal(options: { interactive?: boolean; answer?: string; stdin?: string } = {}) {
  let stdout = '';
  let stderr = '';
  const asked: string[] = [];
  const terminal: Terminal = {
    out: (line) => void (stdout += `${line}\n`),
    err: (line) => void (stderr += `${line}\n`),
    interactive: options.interactive ?? false,
    confirm: (question) => {
      asked.push(question);
      return Promise.resolve(/^y/iu.test(options.answer ?? ''));
    },
    readPassword: (prompt) => {
      asked.push(prompt);
      return Promise.resolve(options.stdin ?? '');
    },
    readStdinLine: () =>
      options.stdin === undefined
        ? Promise.reject(new Error('no password on standard input'))
        : Promise.resolve(options.stdin),
  };
  return {
    terminal,
    asked,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}

/** Runs pmcl in this process (fast: for the many small cases). */
export async function pmclInProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: Parameters<typeof fakeTerminal>[0] = {},
): Promise<PmclResult & { asked: string[] }> {
  const t = fakeTerminal(options);
  const code = await runPmcl(args, t.terminal, env);
  return { code, stdout: t.stdout, stderr: t.stderr, asked: t.asked };
}

/** Runs pmcl from the sources in a child process, as a user runs it (no terminal). */
export function runPmclChild(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { input?: string } = {},
): Promise<PmclResult> {
  return runFromSources('src/cli/pmcl.ts', args, {
    ...options,
    env: { PATH: process.env['PATH'] ?? '', ...env },
  });
}

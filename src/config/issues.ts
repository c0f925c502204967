/**
 * Configuration problems are collected, never thrown one at a time, so an admin sees every
 * mistake of a file in one run. Each names the file, the key path and, where known, the line.
 */
export interface ConfigIssue {
  readonly file: string;
  readonly path: string;
  readonly message: string;
  readonly line?: number;
}

export class Issues {
  readonly list: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];
  constructor(readonly file: string) {}

  add(path: string, message: string, line?: number): void {
    this.list.push(
      line === undefined ? { file: this.file, path, message } : { file: this.file, path, message, line },
    );
  }
  warn(path: string, message: string): void {
    this.warnings.push({ file: this.file, path, message });
  }
  get ok(): boolean {
    return this.list.length === 0;
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}`;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

/** Thrown once all issues are known; the CLI prints them one per line and exits with EX_CONFIG. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
  }
}

/** sysexits.h EX_CONFIG: systemd's RestartPreventExitStatus=78 stops a restart loop on bad config. */
export const EX_CONFIG = 78;

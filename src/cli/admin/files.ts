import {
  deleteStoredFile,
  listFiles,
  resolveAdminName,
  type FileView,
  type Usage,
} from '../../files/file-admin.js';
import { FileStore } from '../../files/file-store.js';
import { formatSize } from '../../util/size.js';
import { UsageError } from '../usage-error.js';
import type { AdminContext } from './context.js';
import type { AdminFlags } from './dispatch.js';

/**
 * The file server's stored files: `ls` and `rm`. They act on the server's own store while it runs:
 * every deletion is one catalog transaction holding its unlinks, like the server's own changes.
 */
export function filesCommand(ctx: AdminContext, verb: string, args: string[], flags: AdminFlags): number {
  if (verb === 'ls' && args.length > 0) throw new UsageError('files ls takes no paths (use --prefix)');
  if (verb === 'rm' && args.length === 0) throw new UsageError('files rm PATH...');
  if (verb !== 'ls' && verb !== 'rm') throw new UsageError(`unknown action "files ${verb}"`);
  const files = ctx.config.server.files;
  if (files === undefined) {
    process.stderr.write(`pmproxy: ${ctx.config.dir}/server.toml has no [files]: there is no file server\n`);
    return 1;
  }
  const records = ctx.services.store.files;
  if (verb === 'ls') {
    // Unlike the API, no server's event loop waits on this: no limit.
    const listing = listFiles(records, files, flags.prefix === undefined ? {} : { prefix: flags.prefix });
    if (flags.json) say(JSON.stringify({ files: listing.files, usage: listing.usage }));
    else for (const line of fileTable(listing.files, listing.usage)) say(line);
    return 0;
  }
  return removeFiles(new FileStore(files.storeDir, records), args);
}

/** Deletes each name; 1 when some could not be, after trying every one. */
function removeFiles(store: FileStore, paths: readonly string[]): number {
  // Every name is checked before any is deleted: a typo in one must not leave a half-done job.
  for (const path of paths) {
    const where = resolveAdminName(path, store.dir);
    if (!where.ok) throw new UsageError(`bad path "${path}": ${where.reason}`);
  }
  let failed = false;
  const fail = (message: string): void => {
    failed = true;
    process.stderr.write(`pmproxy: ${message}\n`);
  };
  for (const path of paths) {
    const outcome = deleteStoredFile(store, path);
    switch (outcome.kind) {
      case 'deleted': {
        const bytes = outcome.removed.reduce((sum, r) => sum + r.size, 0);
        say(
          outcome.untracked
            ? `removed ${path} (a file on disk the catalog did not know)`
            : `removed ${path} (${plural(outcome.removed.length, 'version')}, ${formatSize(bytes)})`,
        );
        break;
      }
      case 'not_found':
        fail(`no stored file "${path}"`);
        break;
      case 'folder':
        fail(`"${path}" is a folder, not a file`);
        break;
      case 'refused':
        fail(`"${path}" refused: ${outcome.reason}`);
    }
  }
  return failed ? 1 : 0;
}

const COLUMNS = ['PATH', 'SIZE', 'TYPE', 'UPLOADED', 'UPLOADER'] as const;

/** An aligned table and a usage line; the size column is right-aligned so magnitudes line up. */
export function fileTable(files: readonly FileView[], usage: Usage): string[] {
  const rows = files.map((f) => [
    f.path,
    formatSize(f.size),
    f.contentType,
    // Minutes are enough to tell uploads apart by eye; --json has the exact time.
    `${f.uploadedAt.slice(0, 10)} ${f.uploadedAt.slice(11, 16)}`,
    f.uploader,
  ]);
  const widths = COLUMNS.map((title, i) => Math.max(width(title), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat((widths[i] ?? 0) - width(cell));
        if (i === cells.length - 1) return cell;
        return i === 1 ? pad + cell : cell + pad;
      })
      .join('  ');
  const table = files.length === 0 ? ['(no files)'] : [line(COLUMNS), ...rows.map(line)];
  const contents = plural(usage.contents, 'content');
  return [
    ...table,
    `store: ${plural(usage.files, 'file')}, ${formatSize(usage.bytes)}; stored once: ${formatSize(usage.storedBytes)} in ${contents}`,
  ];
}

/** Characters as a terminal counts them, near enough: code points, not UTF-16 units. */
function width(text: string): number {
  return [...text.normalize('NFC')].length;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

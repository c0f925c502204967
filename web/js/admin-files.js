// Admin: the file server's stored files (current version of each name, filtered by the start of the
// name), each file's kept versions with a download link for any of them, and deleting a file with
// all its versions after a confirmation. Without [files] the section says so instead.
import { api, ApiError } from './api.js';
import { busy, byId, el, fillRows, say } from './dom.js';
import { sizeText, timeElement } from './format.js';

/** Typing in the filter asks the server again once the admin pauses, not at every key. */
const FILTER_PAUSE_MS = 250;

/**
 * @typedef {{ version: number, size: number, contentType: string, sha256: string, uploader: string,
 *   uploadedAt: string }} FileVersion
 * @typedef {FileVersion & { path: string, versions: number, url: string }} StoredFile
 * @typedef {{ files: StoredFile[], truncated: boolean,
 *   usage: { files: number, bytes: number, contents: number, storedBytes: number } }} FileListing
 */

/**
 * @param {number} n
 * @param {string} one
 * @param {string} many
 */
function count(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Where the admin's copy of one version is downloaded from (charged to nobody's quota).
 * @param {string} path
 * @param {number} version
 */
function downloadUrl(path, version) {
  return `/api/admin/files/download?path=${encodeURIComponent(path)}&version=${version}`;
}

/** @param {(err: unknown, region: HTMLElement) => void} fail */
export function startFiles(fail) {
  const region = byId('files-message');
  const absent = byId('files-absent');
  const content = byId('files');
  const prefix = /** @type {HTMLInputElement} */ (byId('files-prefix'));
  const usage = byId('files-usage');
  const tbody = byId('files-rows');
  const versionsPanel = byId('files-versions');
  const versionsTitle = byId('files-versions-title');
  const versionRows = byId('files-versions-rows');
  /** The file whose versions are shown, if any. */
  let shownPath = /** @type {string | undefined} */ (undefined);
  /** Each listing request's number: an answer to an older request than the last is dropped. */
  let asked = 0;

  function hideVersions() {
    versionsPanel.hidden = true;
    shownPath = undefined;
  }

  /**
   * @param {StoredFile} file
   * @param {HTMLButtonElement} button
   */
  async function showVersions(file, button) {
    await busy(button, async () => {
      say(region, '');
      try {
        const answer = /** @type {{ path: string, versions: FileVersion[] }} */ (
          await api('GET', `/api/admin/files/versions?path=${encodeURIComponent(file.path)}`)
        );
        const [newest] = answer.versions;
        versionsTitle.textContent = `Versions of ${answer.path}`;
        fillRows(
          versionRows,
          answer.versions.map((v) => [
            v === newest
              ? el('span', {}, String(v.version), ' ', el('small', { class: 'muted' }, '(current)'))
              : String(v.version),
            sizeText(v.size),
            el('code', {}, v.contentType),
            v.uploader,
            timeElement(v.uploadedAt),
            el(
              'a',
              {
                href: downloadUrl(answer.path, v.version),
                download: true,
                'aria-label': `Download version ${v.version} of ${answer.path}`,
              },
              'Download',
            ),
          ]),
          'No version is kept.',
        );
        shownPath = answer.path;
        versionsPanel.hidden = false;
        versionsTitle.focus();
      } catch (err) {
        fail(err, region);
      }
    });
  }

  /**
   * @param {StoredFile} file
   * @param {HTMLButtonElement} button
   */
  function deleteFile(file, button) {
    const versions = count(file.versions, 'version', 'versions');
    if (!confirm(`Delete ${file.path} with its ${versions}? This cannot be undone.`)) return;
    void busy(button, async () => {
      say(region, '');
      try {
        const answer = /** @type {{ path: string, removed: FileVersion[] }} */ (
          await api('DELETE', `/api/admin/files?path=${encodeURIComponent(file.path)}`)
        );
        if (shownPath === answer.path) hideVersions();
        // After the table is drawn again, so whoever acts on the message finds the new rows.
        await load();
        say(region, `Deleted ${answer.path} (${count(answer.removed.length, 'version', 'versions')}).`, 'ok');
      } catch (err) {
        fail(err, region);
      }
    });
  }

  /** @param {StoredFile} file */
  function actions(file) {
    const versions = /** @type {HTMLButtonElement} */ (
      el('button', { type: 'button', 'aria-label': `Versions of ${file.path}` }, 'Versions')
    );
    versions.addEventListener('click', () => void showVersions(file, versions));
    const remove = /** @type {HTMLButtonElement} */ (
      el('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${file.path}` }, 'Delete')
    );
    remove.addEventListener('click', () => deleteFile(file, remove));
    return el('span', { class: 'row-actions' }, versions, remove);
  }

  /** @param {FileListing} listing */
  function render(listing) {
    const { files, truncated } = listing;
    const whole = listing.usage;
    usage.textContent =
      `The store holds ${count(whole.files, 'file', 'files')} (${sizeText(whole.bytes)}); ` +
      `with older versions, ${count(whole.contents, 'distinct content takes', 'distinct contents take')} ` +
      `${sizeText(whole.storedBytes)} on disk.` +
      (truncated ? ` Only the first ${files.length} matching files are shown: narrow the filter.` : '');
    fillRows(
      tbody,
      files.map((f) => [
        el('span', { title: f.sha256 }, f.path),
        sizeText(f.size),
        String(f.versions),
        f.uploader,
        timeElement(f.uploadedAt),
        actions(f),
      ]),
      prefix.value === '' ? 'No file is stored.' : 'No file name starts with that.',
    );
  }

  async function load() {
    const mine = ++asked;
    const start = prefix.value;
    try {
      const listing = /** @type {FileListing} */ (
        await api('GET', `/api/admin/files${start === '' ? '' : `?prefix=${encodeURIComponent(start)}`}`)
      );
      if (mine !== asked) return;
      absent.hidden = true;
      content.hidden = false;
      render(listing);
    } catch (err) {
      if (mine !== asked) return;
      if (err instanceof ApiError && err.code === 'no_file_server') {
        content.hidden = true;
        absent.hidden = false;
        hideVersions();
        return;
      }
      fail(err, region);
    }
  }

  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let pause;
  prefix.addEventListener('input', () => {
    clearTimeout(pause);
    pause = setTimeout(() => void load(), FILTER_PAUSE_MS);
  });
  byId('files-versions-close').addEventListener('click', hideVersions);
  byId('files-refresh').addEventListener('click', () => void load());
  return load();
}

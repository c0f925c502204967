/**
 * `?version=N` as the download routes take it: absent (the current version) or one positive whole
 * number. Ten digits at most keeps it a safe integer, far above any version a name reaches.
 */
export type VersionQuery =
  | { readonly ok: true; readonly version: number | undefined }
  | { readonly ok: false; readonly reason: string };

export function versionQuery(asked: string | string[] | undefined): VersionQuery {
  if (asked === undefined) return { ok: true, version: undefined };
  if (typeof asked !== 'string' || !/^[1-9]\d{0,9}$/u.test(asked)) {
    return { ok: false, reason: 'version must be one positive whole number' };
  }
  return { ok: true, version: Number(asked) };
}

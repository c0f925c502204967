/**
 * The API's error object, `{error: {code, message}}` (docs/api.md). A rule's refusal (403
 * `forbidden`) also names the managers that said no and why, which is worth showing the user.
 */
export function errorOf(body: unknown): { code: string; message: string } | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const e = body.error;
  if (typeof e !== 'object' || e === null || !('code' in e) || !('message' in e)) return undefined;
  if (typeof e.code !== 'string' || typeof e.message !== 'string') return undefined;
  const why =
    'managers' in e && Array.isArray(e.managers)
      ? e.managers
          .map((m: unknown) =>
            typeof m === 'object' && m !== null && 'name' in m && typeof m.name === 'string'
              ? `${m.name}${'reason' in m && typeof m.reason === 'string' ? `: ${m.reason}` : ''}`
              : undefined,
          )
          .filter((m): m is string => m !== undefined)
      : [];
  return { code: e.code, message: why.length === 0 ? e.message : `${e.message} [${why.join('; ')}]` };
}

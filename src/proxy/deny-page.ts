import { localTime } from '../util/local-time.js';
import type { Decision, TraceEntry } from '../rules/decision.js';

/** A short answer the proxy writes itself: a denial, a challenge, an error. */
export interface ProxyAnswer {
  readonly status: number;
  /** Extra headers besides Content-Type and Content-Length. */
  readonly headers: Readonly<Record<string, string>>;
  readonly contentType: string;
  readonly body: string;
}

export interface AnswerFormat {
  /** The client accepts HTML (a browser). */
  readonly html: boolean;
  /** Where users log in (the API's base URL), if known. */
  readonly apiUrl?: string;
  /** What was asked for, to come back to after login. */
  readonly target: string;
}

/** The deny page stands alone (the proxy serves it, not the web server), so its style is inline. */
const PAGE_STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}' +
  'h1{font-size:1.4rem}li{margin:.25rem 0}a{display:inline-block;padding:.5rem 1rem;border-radius:.4rem;' +
  'background:#1f5fbf;color:#fff;text-decoration:none}small{color:#666}' +
  '@media (prefers-color-scheme:dark){body{background:#161616;color:#eee}small{color:#aaa}}';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/gu, (c) => `&#${c.charCodeAt(0)};`);
}

function quoteRealm(realm: string): string {
  return `"${realm.replace(/[\\"]/gu, '\\$&').replace(/[\r\n]/gu, ' ')}"`;
}

export function wantsHtml(accept: string | undefined): boolean {
  return accept !== undefined && /\btext\/html\b/iu.test(accept);
}

/** A button on the page: where it goes and what it says. */
interface Link {
  readonly href: string;
  readonly label: string;
}

function loginLink(format: AnswerFormat): Link | undefined {
  if (format.apiUrl === undefined) return undefined;
  const href = `${format.apiUrl.replace(/\/+$/u, '')}/login?next=${encodeURIComponent(format.target)}`;
  return { href, label: 'Log in' };
}

/** For someone already known (logged in, or by credentials): their status page, not a login. */
function statusLink(format: AnswerFormat): Link | undefined {
  if (format.apiUrl === undefined) return undefined;
  return { href: `${format.apiUrl.replace(/\/+$/u, '')}/status`, label: 'See your status' };
}

/** The manager as people read it: its description, else its name and kind. */
function who(entry: TraceEntry): string {
  return entry.description ?? `${entry.name} (${entry.kind})`;
}

function render(
  status: number,
  title: string,
  lines: readonly string[],
  link: Link | undefined,
  format: AnswerFormat,
) {
  if (format.html) {
    const items = lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('');
    const login =
      link === undefined ? '' : `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>`;
    return {
      contentType: 'text/html; charset=utf-8',
      body:
        `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
        `<meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>${status} ${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head>` +
        `<body><h1>${escapeHtml(title)}</h1><ul>${items}</ul>${login}<p><small>pmproxy</small></p></body></html>\n`,
    };
  }
  const login = link === undefined ? '' : `${link.label} at ${link.href}\n`;
  return {
    contentType: 'text/plain; charset=utf-8',
    body: `${title}\n${lines.map((l) => `- ${l}\n`).join('')}${login}`,
  };
}

function said(entry: TraceEntry): string {
  return `${who(entry)}${entry.reason === undefined ? '' : `: ${entry.reason}`}`;
}

/** "Daily download quota: 100.0 MB of 100.0 MB used; it is whole again at 2026-12-03 00:00 (UTC+00:00)". */
function usedUp(entry: TraceEntry): string {
  const what = entry.reason?.replace(/^quota exhausted: /u, '') ?? 'no quota left';
  const reset =
    entry.resetsAt === undefined ? '' : `; it is whole again at ${localTime(entry.resetsAt.toISOString())}`;
  return `${who(entry)}: ${what}${reset}`;
}

/** Why the policy refused, in one line people read (for /status and `pmcl s`). */
export function refusalWords(decision: Decision): string {
  const exhausted = decision.trace.find((e) => e.quotaExhausted === true);
  if (exhausted !== undefined) return usedUp(exhausted);
  if (decision.challenge !== undefined) {
    return 'the proxy asked for a user name and password (or a login on the web page)';
  }
  const refusal = decision.trace.find((e) => e.match === false);
  return refusal === undefined ? `the rule said ${decision.result}` : said(refusal);
}

/** The answer to a request the policy did not allow: 407 for a challenge, else 403. */
export function denialAnswer(decision: Decision, format: AnswerFormat): ProxyAnswer {
  if (decision.challenge !== undefined) {
    // When a login session would also have let the request through, say so: a browser shows this
    // page when its user cancels the password prompt.
    const sessionsToo = decision.trace.some((e) => e.kind === 'sessionIPM' && e.match === false);
    const link = sessionsToo ? loginLink(format) : undefined;
    // Why the credentials sent were refused (wrong, too many failures, busy), when some were sent.
    const refused = decision.trace
      .filter((e) => e.kind === 'proxyAuth' && e.match === false && e.reason !== 'no proxy credentials')
      .flatMap((e) => (e.reason === undefined ? [] : [e.reason]));
    const lines = [
      link === undefined
        ? 'Send your user name and password to the proxy.'
        : 'Send your user name and password to the proxy, or log in on the web page below.',
      ...new Set(refused),
    ];
    const { contentType, body } = render(407, 'Proxy authentication required', lines, link, format);
    return {
      status: 407,
      headers: { 'Proxy-Authenticate': `Basic realm=${quoteRealm(decision.challenge)}, charset="UTF-8"` },
      contentType,
      body,
    };
  }
  // Someone the rule already recognised is not asked to log in again.
  const link = decision.user !== undefined ? statusLink(format) : loginLink(format);
  const exhausted = decision.trace.filter((e) => e.quotaExhausted === true);
  if (exhausted.length > 0) {
    const lines = exhausted.map(usedUp);
    // A quota is someone's: they are known, and their status page says more.
    return {
      status: 403,
      headers: {},
      ...render(403, 'Your download quota is used up', lines, statusLink(format), format),
    };
  }
  const refusals = decision.trace.filter((e) => e.match === false);
  const lines = refusals.length > 0 ? refusals.map(said) : [`the proxy rule evaluated to ${decision.result}`];
  return { status: 403, headers: {}, ...render(403, 'Access denied by', lines, link, format) };
}

/** The quota ran out before the response head could be delivered. */
export function quotaCutAnswer(describe: readonly string[], format: AnswerFormat): ProxyAnswer {
  const lines = describe.length > 0 ? describe : ['no quota left'];
  return {
    status: 403,
    headers: {},
    ...render(403, 'Your download quota is used up', lines, statusLink(format), format),
  };
}

/** 400, 500, 502, 504 … with a line saying why. */
export function errorAnswer(
  status: number,
  title: string,
  reason: string,
  format: AnswerFormat,
): ProxyAnswer {
  return { status, headers: {}, ...render(status, title, [reason], undefined, format) };
}

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import type { Context } from './context.js';
import { Failure } from './failure.js';
import type { Server } from './server-url.js';
import type { Trust } from './state.js';
import {
  connectVerified,
  UntrustedCertificateError,
  type PresentedCertificate,
  type TrustPolicy,
} from './tls-connect.js';

/**
 * A connection to `server` whose certificate is trusted: by --pin, --ca, what was remembered for the
 * server, or the system CAs; failing those, by the user confirming the fingerprint on first use
 * (never without a terminal: pmcl is never silently insecure). An explicit --pin or --ca that worked
 * is remembered for the server, replacing what was there.
 */
export async function openTrusted(ctx: Context, server: Server): Promise<TLSSocket> {
  const explicit = explicitTrust(ctx);
  const stored = ctx.state.trust[server.key];
  const policy: TrustPolicy =
    explicit ?? (stored?.pin !== undefined ? { pin: stored.pin } : { ca: stored?.ca });
  try {
    const { socket } = await reach(server, policy);
    if (explicit !== undefined && (explicit.pin !== stored?.pin || explicit.ca !== stored?.ca)) {
      remember(ctx, server, explicit);
    }
    return socket;
  } catch (err) {
    if (!(err instanceof UntrustedCertificateError)) throw err;
    if (explicit?.ca !== undefined) {
      throw new Failure(
        `the certificate of ${server.key} is not valid under --ca ${ctx.flags.ca ?? ''} ` +
          `(${err.presented.untrustedBecause ?? 'not verified'}); nothing was sent`,
      );
    }
    return trustOnFirstUse(ctx, server, err.presented);
  }
}

async function trustOnFirstUse(ctx: Context, server: Server, cert: PresentedCertificate): Promise<TLSSocket> {
  const t = ctx.terminal;
  const shown = [
    `The certificate of ${server.key} is not vouched for by any CA (${cert.untrustedBecause ?? 'not verified'}).`,
    `  subject: ${cert.subject}`,
    `  SHA-256: ${cert.fingerprint}`,
    `  valid until: ${cert.validTo}`,
  ];
  if (!t.interactive) {
    throw new Failure(
      `${shown.join('\n')}\nNothing was sent. Check the fingerprint with the administrator (the server prints ` +
        `it at start), then pass --pin <fingerprint>, or --ca FILE if a CA signed it.`,
    );
  }
  for (const line of shown) t.err(line);
  t.err('Compare the fingerprint with the one the server printed at start (ask the administrator).');
  if (!(await t.confirm('Trust this certificate? [y/N]'))) {
    throw new Failure(`certificate of ${server.key} not trusted; nothing was sent`);
  }
  const pinned: Trust = { pin: cert.fingerprint };
  remember(ctx, server, pinned);
  // The socket that showed the certificate was closed while the user decided; a new one must match.
  const { socket } = await reach(server, pinned);
  return socket;
}

async function reach(server: Server, policy: TrustPolicy) {
  try {
    return await connectVerified(server, policy);
  } catch (err) {
    if (err instanceof Error && 'code' in err && typeof err.code === 'string') {
      throw new Failure(`cannot reach ${server.base}: ${err.message}`);
    }
    throw err;
  }
}

function remember(ctx: Context, server: Server, trust: Trust): void {
  ctx.update((state) => ({ ...state, trust: { ...state.trust, [server.key]: trust } }));
}

function explicitTrust(ctx: Context): Trust | undefined {
  const { pin, ca } = ctx.flags;
  if (pin !== undefined) return { pin };
  if (ca === undefined) return undefined;
  let pem: string;
  try {
    pem = readFileSync(ca, 'utf8');
    new X509Certificate(pem);
  } catch (err) {
    throw new Failure(`--ca ${ca}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { ca: pem };
}

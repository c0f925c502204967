import { isIP } from 'node:net';
import { connect, rootCertificates, type TLSSocket } from 'node:tls';
import { sameFingerprint } from './fingerprint.js';
import type { Server } from './server-url.js';

/** What a server presented: enough for a user to decide whether to trust it. */
export interface PresentedCertificate {
  readonly fingerprint: string;
  /** The subject on one line, e.g. `CN=127.0.0.1`. */
  readonly subject: string;
  readonly validTo: string;
  /** Why the system CAs (and --ca) do not vouch for it, when they do not. */
  readonly untrustedBecause: string | undefined;
}

/** How the certificate is to be checked: a pinned fingerprint, or the CAs (system ones plus `ca`). */
export interface TrustPolicy {
  readonly pin?: string | undefined;
  readonly ca?: string | undefined;
}

/** A pinned server presented another certificate: possibly an interception, never talked to. */
export class CertificateChangedError extends Error {
  override readonly name = 'CertificateChangedError';
  constructor(
    readonly server: Server,
    readonly expected: string,
    readonly presented: PresentedCertificate,
  ) {
    super(
      `the certificate of ${server.key} has CHANGED; nothing was sent.\n` +
        `  expected SHA-256 ${expected}\n` +
        `  presented SHA-256 ${presented.fingerprint} (${presented.subject})\n` +
        `Someone may be intercepting the connection. If the administrator did replace the certificate, ` +
        `check the new fingerprint with them and pass --pin <fingerprint> (or --ca FILE).`,
    );
  }
}

/** Neither the CAs nor a pin vouch for the certificate: the caller may ask the user (first use). */
export class UntrustedCertificateError extends Error {
  override readonly name = 'UntrustedCertificateError';
  constructor(
    readonly server: Server,
    readonly presented: PresentedCertificate,
  ) {
    super(`the certificate of ${server.key} is not trusted (${presented.untrustedBecause ?? 'unknown'})`);
  }
}

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * Opens a TLS connection and checks the certificate before anything is written on it, so a token or
 * password never reaches a server that is not the one trusted. OpenSSL's own verdict (chain and host
 * name) is kept but not enforced by Node, because a pinned self-signed certificate fails it by design;
 * the decision is made here instead, once the handshake is complete.
 */
export function connectVerified(
  server: Server,
  policy: TrustPolicy,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<{ socket: TLSSocket; certificate: PresentedCertificate }> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: server.hostname,
      port: server.port,
      // SNI carries host names only; an address there is a protocol error (and a Node warning).
      ...(isIP(server.hostname) === 0 ? { servername: server.hostname } : {}),
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
      ...(policy.ca === undefined ? {} : { ca: [...rootCertificates, policy.ca] }),
    });
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () =>
      fail(new Error(`no answer from ${server.key} in ${timeoutMs / 1000} s`)),
    );
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      socket.off('error', fail);
      const x509 = socket.getPeerX509Certificate();
      if (x509 === undefined) {
        fail(new Error(`${server.key} presented no certificate`));
        return;
      }
      const certificate: PresentedCertificate = {
        fingerprint: x509.fingerprint256,
        subject: x509.subject.split('\n').join(', '),
        validTo: x509.validTo,
        untrustedBecause: socket.authorized ? undefined : describe(socket.authorizationError),
      };
      if (policy.pin !== undefined) {
        if (!sameFingerprint(certificate.fingerprint, policy.pin)) {
          fail(new CertificateChangedError(server, policy.pin, certificate));
          return;
        }
      } else if (!socket.authorized) {
        fail(new UntrustedCertificateError(server, certificate));
        return;
      }
      socket.setTimeout(0);
      resolve({ socket, certificate });
    });
  });
}

function describe(reason: Error | string | null | undefined): string {
  if (reason === null || reason === undefined) return 'not verified';
  const text = typeof reason === 'string' ? reason : reason.message;
  const known: Record<string, string> = {
    DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
    SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'signed by an unknown CA',
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'signed by an unknown CA',
    CERT_HAS_EXPIRED: 'expired certificate',
    ERR_TLS_CERT_ALTNAME_INVALID: 'certificate for another host name',
  };
  return known[text] ?? text;
}

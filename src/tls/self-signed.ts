import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import selfsigned from 'selfsigned';
import { writeFileAtomic } from '../util/atomic-write.js';

export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 fingerprint (colon-separated hex), for users to pin. */
  readonly fingerprint: string;
  readonly created: boolean;
}

/**
 * Uses the configured certificate, or makes a self-signed ECDSA P-256 one for `host` on first start
 * and keeps it (as the Go original did), so clients that pinned it keep working after a restart.
 */
export async function ensureCertificate(
  certPath: string,
  keyPath: string,
  host: string,
): Promise<CertificateFiles> {
  let created = false;
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    const names = host === '' || host === '0.0.0.0' || host === '::' ? ['localhost', '127.0.0.1'] : [host];
    const altNames = names.map((name) =>
      isIP(name) === 0 ? { type: 2 as const, value: name } : { type: 7 as const, ip: name },
    );
    const made = await selfsigned.generate([{ name: 'commonName', value: names[0] ?? 'localhost' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 365 * 24 * 3600 * 1000),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames },
      ],
    });
    writeFileAtomic(keyPath, made.private, 0o600);
    writeFileAtomic(certPath, made.cert, 0o644);
    created = true;
  }
  const cert = readFileSync(certPath, 'utf8');
  const key = readFileSync(keyPath, 'utf8');
  return { cert, key, fingerprint: new X509Certificate(cert).fingerprint256, created };
}

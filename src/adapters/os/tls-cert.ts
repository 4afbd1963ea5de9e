/**
 * A self-signed TLS certificate for the officers' console on a first install, made with the system's `openssl`
 * (present on Debian and Raspberry Pi OS): an ECDSA P-256 key (mode 0600) and a certificate naming this host and
 * its addresses, valid 825 days. The SHA-256 fingerprint is what officers compare in the browser's warning.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { dirname } from 'node:path';
import { UserError } from '../../domain/errors.js';

/** A certificate on disk. */
export interface CertInfo {
  /** Certificate file (PEM). */
  certFile: string;
  /** Private key file (PEM). */
  keyFile: string;
  /** SHA-256 fingerprint, colon-separated hex. */
  fingerprint: string;
  /** Names and addresses it is valid for. */
  names: string[];
  /** Valid until (ISO). */
  validTo: string;
}

/** This machine's host name and non-internal addresses (the names the certificate is made for). */
export function localNames(): { dns: string[]; ips: string[] } {
  const ips = ['127.0.0.1'];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') ips.push(a.address);
  return { dns: [...new Set([hostname(), `${hostname()}.local`, 'localhost'])], ips };
}

/** Read a certificate's fingerprint and names. */
export function certInfo(certFile: string, keyFile: string): CertInfo {
  const cert = new X509Certificate(readFileSync(certFile));
  return { certFile, keyFile, fingerprint: cert.fingerprint256, names: (cert.subjectAltName ?? '').split(', ').filter(Boolean), validTo: new Date(cert.validTo).toISOString() };
}

/** Make a self-signed certificate and key; refuses to overwrite unless `force`. */
export function makeSelfSignedCert(o: { certFile: string; keyFile: string; commonName: string; dns: string[]; ips: string[]; force?: boolean }): CertInfo {
  if (!o.force && (existsSync(o.certFile) || existsSync(o.keyFile))) {
    throw new UserError(`${existsSync(o.certFile) ? o.certFile : o.keyFile} exists; give --force to replace it (browsers will then warn about the new certificate)`);
  }
  for (const f of [o.certFile, o.keyFile]) mkdirSync(dirname(f), { recursive: true });
  const san = [...o.dns.map((d) => `DNS:${d}`), ...o.ips.map((i) => `IP:${i}`)].join(',');
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-sha256', '-days', '825',
      '-keyout', o.keyFile, '-out', o.certFile, '-subj', `/CN=${o.commonName}/O=pintu`, '-addext', `subjectAltName=${san}`,
      '-addext', 'extendedKeyUsage=serverAuth',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new UserError('openssl is not installed: apt-get install openssl (or give console.tls your own certificate)');
    throw new UserError(`openssl could not make the certificate: ${(e.stderr?.toString() ?? e.message).trim().split('\n')[0]}`);
  }
  chmodSync(o.keyFile, 0o600);
  return certInfo(o.certFile, o.keyFile);
}

/**
 * `pintu console cert`: a self-signed certificate for the officers' console on a first install (in the data dir),
 * with its fingerprint to compare in the browser, and the `console:` lines to put in the config.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { localNames, makeSelfSignedCert } from '../adapters/os/tls-cert.js';
import { action, configOf, out } from './context.js';

/** Register `console cert`. */
export function consoleCommands(program: Command): void {
  program.command('console')
    .description("the officers' console (web UI served by `pintu run`)")
    .command('cert')
    .description('make a self-signed TLS certificate for the console and print its fingerprint')
    .option('--force', 'replace an existing certificate')
    .option('--name <host...>', 'extra host names or IP addresses the certificate is for')
    .action(action(function (this: Command, o: { force?: boolean; name?: string[] }) {
      const config = configOf(this);
      const names = localNames();
      for (const n of o.name ?? []) (/^[0-9.]+$|:/.test(n) ? names.ips : names.dns).push(n);
      const info = makeSelfSignedCert({
        certFile: join(config.dataDir, 'console-cert.pem'), keyFile: join(config.dataDir, 'console-key.pem'),
        commonName: `pintu ${config.site} ${config.door.id}`, dns: names.dns, ips: names.ips, force: o.force === true,
      });
      out(this, info, () => [
        `certificate: ${info.certFile}`, `key:         ${info.keyFile} (mode 0600)`, `valid until: ${info.validTo}`,
        `for:         ${info.names.join(', ')}`, `SHA-256 fingerprint (compare it in the browser before accepting the certificate):`, `  ${info.fingerprint}`,
        '', 'Put in the config, then restart pintu:', 'console:', '  listen: 0.0.0.0:8443', '  tls:', `    certFile: ${info.certFile}`, `    keyFile: ${info.keyFile}`,
      ].join('\n'));
    }));
}

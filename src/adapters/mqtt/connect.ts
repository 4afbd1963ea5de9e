/**
 * MQTT connection options shared by the door and the central receiver: URL, user name and password, and TLS
 * (CA file, client certificate and key) read from PEM files. Secrets are never logged.
 */
import { readFileSync } from 'node:fs';
import type { IClientOptions, MqttClient } from 'mqtt';

/** Broker settings as they appear in the door's `central:` and the centre's `broker:` sections. */
export interface BrokerSettings {
  /** mqtt://host:port or mqtts://host:port. */
  url: string;
  /** User name. */
  username?: string | undefined;
  /** Password. */
  password?: string | undefined;
  /** CA certificate file (PEM). */
  caFile?: string | undefined;
  /** Client certificate file (PEM). */
  certFile?: string | undefined;
  /** Client key file (PEM). */
  keyFile?: string | undefined;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** mqtt.js options for a broker: credentials, TLS material, and the given extras (client id, will, …). */
export function clientOptions(b: BrokerSettings, extra: IClientOptions): IClientOptions {
  const o: IClientOptions = { reconnectPeriod: 1000, connectTimeout: 10_000, ...extra };
  if (b.username !== undefined) o.username = b.username;
  if (b.password !== undefined) o.password = b.password;
  if (b.caFile) o.ca = readPem(b.caFile, 'CA file');
  if (b.certFile) o.cert = readPem(b.certFile, 'certificate file');
  if (b.keyFile) o.key = readPem(b.keyFile, 'key file');
  if (b.url.startsWith('mqtts://')) o.rejectUnauthorized = true;
  return o;
}

/**
 * Turn Nagle's algorithm off on the client's current connection (call on every 'connect'): events, acks and
 * PUBACKs are small writes that otherwise wait for the peer's delayed ACK (~40 ms per hop on Linux).
 */
export function setNoDelay(client: MqttClient): void {
  const stream = client.stream as { setNoDelay?: (on: boolean) => unknown } | undefined;
  stream?.setNoDelay?.(true);
}

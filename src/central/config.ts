/**
 * The central receiver's own YAML file: broker connection, store (SQLite path or postgres:// URL) and data dir
 * (the centre's key). Relative paths are resolved against the file's folder.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { UserError } from '../domain/errors.js';
import { formatIssues } from '../config/load.js';
import { brokerSchema, listenSchema, timeZoneSchema, tlsFilesSchema } from '../config/schema.js';
import { isAlertType } from '../domain/events.js';
import { LINK_FAULT_KINDS } from './alert-queue.js';

/** The dashboard served by `pintu central run` (the console's web stack). */
export const dashboardSchema = z.object({
  /** Serve the dashboard from `pintu central run`. */
  enabled: z.boolean().default(true),
  /** host:port to listen on; a non-loopback address needs TLS (or allowPlainHttp). */
  listen: listenSchema('127.0.0.1:8090'),
  /** TLS certificate and key (PEM); `pintu console cert` makes a self-signed pair for a first install. */
  tls: tlsFilesSchema.optional(),
  /** Allow plain HTTP on a non-loopback address (passwords and session cookies then cross the network in clear). */
  allowPlainHttp: z.boolean().default(false),
  /** Language of the dashboard by default (each user may switch). */
  language: z.enum(['id', 'en']).default('id'),
  /** A session unused for this many minutes is signed out. */
  idleMinutes: z.number().min(1).max(720).default(30),
  /** Wrong passwords or codes in a row before an account is locked. */
  lockoutAttempts: z.number().int().min(3).max(20).default(5),
  /** How long a locked account stays locked (minutes). */
  lockoutMinutes: z.number().min(1).max(1440).default(15),
  /** Chromium used to print PDF reports (Debian's package). */
  chromiumPath: z.string().min(1).default('/usr/bin/chromium'),
}).strict();
/** Config of the dashboard. */
export type DashboardConfig = z.infer<typeof dashboardSchema>;

/** Is this URL's host this machine (plain http is allowed only there)? */
function loopbackUrl(u: URL): boolean {
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** One alert webhook: alerts of a site (or every site) are POSTed to it as JSON, signed, retried until delivered. */
export const webhookSchema = z.object({
  /** Site id, or '*' for every site. */
  site: z.string().min(1).default('*'),
  /** Where to POST (https:// unless on loopback). */
  url: z.string().url().refine((s) => { const u = new URL(s); return u.protocol === 'https:' || (u.protocol === 'http:' && loopbackUrl(u)); },
    'must be https:// (plain http:// only to this machine: 127.0.0.1, localhost, [::1])'),
  /** Shared secret: each delivery carries X-Pintu-Signature: sha256=HMAC(secret, body). */
  secret: z.string().min(16).optional(),
  /** Only these alert kinds (default: all): link faults (gap, chain-break, conflict, unknown-door, bad-signature, offline, malformed) or door alarms (door.forced, door.held, visit.device_mismatch, alarm.*). */
  kinds: z.array(z.string().min(1).refine((k) => (LINK_FAULT_KINDS as readonly string[]).includes(k) || isAlertType(k),
    'is not an alert kind (a link fault such as offline or gap, or a door alarm such as door.forced or alarm.visitor_unescorted)')).optional(),
}).strict();

/** Alert delivery beyond the dashboard. */
export const alertsSchema = z.object({
  /** Webhooks, per site. */
  webhooks: z.array(webhookSchema).default([]),
  /** The dashboard's address as the webhooks' readers reach it (each delivery links to the alert); default: from console.listen. */
  dashboardUrl: z.string().url().optional(),
  /** Timeout of one webhook delivery (seconds); a failed delivery is retried with growing delays, in order. */
  timeoutSeconds: z.number().min(1).max(120).default(10),
}).strict();

/** Schema of the central config file, and the one source of its defaults (config/central.example.yaml shows them; a test checks). */
export const centralConfigSchema = z.object({
  /** The receiver's broker connection (the shipped ACL calls its account pintu-central). */
  broker: brokerSchema,
  /** SQLite file path (default central.db in dataDir) or a postgres:// URL. */
  store: z.string().min(1).optional(),
  /** Where the centre's key and (by default) its database live. */
  dataDir: z.string().min(1).default('/var/lib/pintu-central'),
  /** Shared-subscription group; receivers in the same group share the doors' messages. */
  group: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('pintu-central'),
  /** A door silent (no status, no events) for longer than this is marked offline and alerted; doors send status every 30 s. */
  offlineAfterSeconds: z.number().min(35).max(86_400).default(120),
  /** IANA time zone for monthly reports, printed times and times typed without an offset (default WIB). */
  timeZone: timeZoneSchema.default('Asia/Jakarta'),
  /** The dashboard (`console:` as on the door). */
  console: dashboardSchema.prefault({}),
  /** Alert delivery (webhooks per site). */
  alerts: alertsSchema.prefault({}),
  /** Log level. */
  log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).strict().prefault({}),
}).strict();

/** The validated central config. */
export type CentralFileConfig = z.infer<typeof centralConfigSchema> & { store: string };

/** Validate a parsed central config; relative paths against `baseDir`. */
export function parseCentralConfig(raw: unknown, baseDir: string, source = 'central config'): CentralFileConfig {
  const r = centralConfigSchema.safeParse(raw ?? {});
  if (!r.success) throw new UserError(`${source} is invalid:\n  ${formatIssues(r.error.issues, raw).join('\n  ')}`);
  const c = r.data;
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const dataDir = abs(c.dataDir);
  const store = !c.store ? resolve(dataDir, 'central.db') : /^postgres(ql)?:\/\//.test(c.store) ? c.store : abs(c.store);
  const broker = { ...c.broker };
  for (const k of ['caFile', 'certFile', 'keyFile'] as const) if (broker[k]) broker[k] = abs(broker[k]);
  return { ...c, dataDir, store, broker };
}

/** Read and validate the central config file. */
export function loadCentralConfig(path: string): CentralFileConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read central config ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (see config/central.example.yaml)' : (err as Error).message}`);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) throw new UserError(`central config ${path} is not valid YAML:\n  ${doc.errors.map((e) => e.message).join('\n  ')}`);
  return parseCentralConfig(doc.toJS(), dirname(resolve(path)), `central config ${path}`);
}

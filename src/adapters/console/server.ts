/**
 * The console's server, a part of `pintu run`: HTTP on loopback, HTTPS (`console.tls`) on the LAN — a non-loopback
 * address without TLS is refused unless `console.allowPlainHttp` — the live hub fed by every committed event, the
 * desk reader's taps, and the sweep that signs out idle sessions. Started after the door's readers, stopped first.
 */
import { createServer as createHttp, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { ConsoleConfig } from '../../config/schema.js';
import type { SopStandards } from '../../domain/sop.js';
import { DEFAULT_RULES, type ServerRoomRules } from '../../domain/rules.js';
import { UserError } from '../../domain/errors.js';
import type { ConsolePorts } from '../../ports/console.js';
import type { Log } from '../../ports/log.js';
import { consoleApp } from './app.js';
import { loadAssets, gzippedAssetBytes, type Asset } from './assets.js';
import type { ConsoleContext, Screen } from './context.js';
import { DeskTaps } from './desk-taps.js';
import { Catalogue } from './i18n/index.js';
import { LiveHub, activeRole } from './live.js';
import { SessionStore } from './session.js';
import { SCREENS } from './screens/index.js';

/** Where the console listens. */
export interface ListenAddress {
  /** Host name or IP address. */
  host: string;
  /** TCP port (0: any free port, for tests). */
  port: number;
}

/** Parse `console.listen` (host:port, IPv6 in brackets). */
export function parseListen(listen: string): ListenAddress {
  const m = /^(?:\[([0-9a-f:.]+)\]|([^:]+)):(\d{1,5})$/i.exec(listen);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UserError(`console.listen: "${listen}" is not host:port (e.g. 127.0.0.1:8080 or 0.0.0.0:8443)`);
  return { host: (m[1] ?? m[2])!, port };
}

/** Is the address reachable only from this machine? */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** The console's own settings, from the config. */
export interface ConsoleServerOptions {
  /** The `console:` section. */
  config: ConsoleConfig;
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** The site's time zone. */
  timeZone: string;
  /** SOP time standards. */
  standards: SopStandards;
  /** Default approval validity (`visits.defaultValidity`). */
  defaultValidity: 'end-of-day' | number;
  /** The privacy notice shown on the request form (`privacy.notice`). */
  privacyNotice?: string;
  /** The server-room rules shown at badge issue (`visits.rules`; default `DEFAULT_RULES`). */
  rules?: ServerRoomRules;
  /** Clock (ms; default Date.now). */
  now?: () => number;
  /** Screen groups (default: all of them). */
  screens?: readonly Screen[];
}

/** The officers' console of one door. */
export class ConsoleServer {
  private server: Server | null = null;
  private unsubscribe: (() => void) | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private readonly ctx: ConsoleContext;
  private readonly assets: Map<string, Asset>;
  private readonly address: ListenAddress;
  private readonly tls: { cert: Buffer; key: Buffer } | null;

  /** Check the settings (refusing plain HTTP off loopback) and read the TLS files; nothing listens yet. */
  constructor(private readonly ports: ConsolePorts, private readonly opts: ConsoleServerOptions, private readonly log: Log) {
    const c = opts.config;
    this.address = parseListen(c.listen);
    if (!c.tls && !isLoopback(this.address.host) && !c.allowPlainHttp) {
      throw new UserError(`console.listen: ${c.listen} is reachable from the network, so the console needs console.tls (certFile, keyFile; \`pintu console cert\` makes a self-signed pair), or console.allowPlainHttp: true to send PINs and session cookies in clear`);
    }
    this.tls = c.tls ? { cert: readTlsFile(c.tls.certFile, 'console.tls.certFile'), key: readTlsFile(c.tls.keyFile, 'console.tls.keyFile') } : null;
    const now = opts.now ?? Date.now;
    const catalogue = new Catalogue();
    this.ctx = {
      ports,
      settings: { site: opts.site, door: opts.door, timeZone: opts.timeZone, idleMs: c.idleMinutes * 60_000, language: c.language, secure: this.tls !== null, loopbackOnly: isLoopback(this.address.host), standards: opts.standards, defaultValidity: opts.defaultValidity, ...(opts.privacyNotice ? { privacyNotice: opts.privacyNotice } : {}), rules: opts.rules ?? DEFAULT_RULES },
      catalogue,
      sessions: new SessionStore(c.idleMinutes * 60_000),
      live: new LiveHub({ catalogue, roleOf: (id) => activeRole(ports.queries.officer(id)), log }),
      desk: new DeskTaps(ports.queries, now, ports.deskReaderSecure ?? false),
      log,
      now,
    };
    this.assets = loadAssets();
  }

  /** Gzipped size of every static file (HTML pages aside). */
  get assetBytes(): number {
    return gzippedAssetBytes(this.assets);
  }

  /** The port it listens on (after start), or null. */
  get port(): number | null {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : null;
  }

  /** What the screens are given (tests). */
  get context(): ConsoleContext {
    return this.ctx;
  }

  /** Listen, follow the events and the desk reader. Resolves with the bound port. */
  async start(): Promise<number> {
    const app = consoleApp(this.ctx, this.assets, this.opts.screens ?? SCREENS);
    const listener = getRequestListener(app.fetch, { overrideGlobalObjects: false });
    const server = this.tls ? createHttps({ cert: this.tls.cert, key: this.tls.key }, listener) : createHttp(listener);
    server.keepAliveTimeout = 5_000;
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.address.port, this.address.host, () => { server.off('error', reject); resolve(); });
    });
    server.on('error', (err) => this.log.error({ err: err.message }, 'console server error'));
    this.server = server;
    this.unsubscribe = this.ports.subscribe((events) => this.ctx.live.onEvents(events));
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
    const reader = this.ports.deskReader;
    if (reader) {
      await reader.start(
        (tap) => {
          try {
            const notice = this.ctx.desk.add(tap);
            this.ctx.live.desk(notice);
            // A card that is no officer's or pool badge may be a KTP: checked against the watchlist like `pintu desk`
            // does (an alarm.watchlist_match for the banner and the head; it warns, it never denies).
            if (notice.kind === 'card') {
              this.ports.write('console.ktp_watchlist', () => this.ports.watchlist.ktpTapped(tap.uid, null))
                .catch((err: unknown) => this.log.error({ err: (err as Error).name }, 'watchlist check of a desk tap failed')); // the message may name the UID
            }
            // A suspected copy of an enrolled secure badge (refused for every desk step): an alarm, as at the door (issue 15).
            if (notice.kind === 'unproven') {
              this.ports.write('console.desk_clone_alarm', () => this.ports.alarms.deskCloneSuspected(reader.id, tap.uid, tap.proof))
                .catch((err: unknown) => this.log.error({ err: (err as Error).name }, 'recording a suspected copy at the desk failed')); // the message may name the UID
            }
          } catch (err) { this.log.error({ err: (err as Error).message }, 'desk tap failed'); }
        },
        (err) => this.log.warn({ err: err.message, reader: reader.id }, 'desk reader error'),
      );
    }
    const port = (server.address() as { port: number }).port;
    this.log.info({ host: this.address.host, port, tls: this.tls !== null }, 'console listening');
    return port;
  }

  /** Stop: no new requests, live streams closed, the desk reader stopped. */
  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.ctx.live.stop();
    const server = this.server;
    this.server = null;
    if (server) {
      await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
    }
    try { await this.ports.deskReader?.stop(); } catch (err) { this.log.warn({ err: (err as Error).message }, 'stopping the desk reader failed'); }
  }

  private sweep(): void {
    for (const officerId of this.ctx.sessions.sweep(this.ctx.now())) {
      this.ports.write('console.signed_out', () => this.ports.officers.signedIn(officerId, 'timeout'))
        .catch((err: Error) => this.log.warn({ err: err.message }, 'recording a session timeout failed'));
    }
  }
}

function readTlsFile(file: string, key: string): Buffer {
  try { return readFileSync(file); } catch (err) {
    throw new UserError(`${key}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); \`pintu console cert\` makes a self-signed pair`);
  }
}

/**
 * A running door with its officers' console for tests: a real daemon (SQLite store in a temp dir, write queue, door
 * controller on sim I/O, sim door readers `in`/`out`, a sim desk reader), the console on a free loopback port, and
 * an HTTP client with a cookie jar that signs in and sends forms with their CSRF token, like a browser.
 * The usual people are seeded: head O1, coordinator O2, staff O3 (PINs in `PINS`), badges TAMU-01..03.
 */
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { SimCardReader } from '../../src/adapters/sim/sim-reader.js';
import { SimBadgeWriter } from '../../src/adapters/sim/sim-badge-writer.js';
import { BadgeKeyFileSource } from '../../src/adapters/os/badge-key-file.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import type { ConsoleServer } from '../../src/adapters/console/server.js';
import { buildDaemon, officerService, visitService, type DoorStore } from '../../src/main.js';
import type { Daemon } from '../../src/app/daemon.js';
import type { VisitService } from '../../src/app/visit-service.js';
import type { OfficerService } from '../../src/app/officer-service.js';
import type { Log } from '../../src/ports/log.js';
import { tempConfig, testNik, type TempConfig } from './config.js';

/** PINs of the seeded officers. */
export const PINS = { O1: '246810', O2: '135790', O3: '975310' } as const;
/** Badge UIDs of the seeded officers and visitor badges (10 hex digits, as EM4100 reads them, so the e2e tests can write them as frames to a serial reader's pty). */
export const CARDS = { head: 'AA00000001', coordinator: 'AA00000002', staff: 'AA00000003', badge1: 'BB00000001', badge2: 'BB00000002', badge3: 'BB00000003', ktp: '04A1B2C3D4E5F6' } as const;

/** A door with its console under test. */
export interface ConsoleDoor {
  /** Temp config (its dir is removed by `close`). */
  tc: TempConfig;
  /** The daemon. */
  daemon: Daemon;
  /** The console. */
  console: ConsoleServer;
  /** Base URL, e.g. http://127.0.0.1:41234. */
  url: string;
  /** The door's store (same connection as the daemon). */
  store: DoorStore;
  /** Visit commands for seeding (run directly, not through the console). */
  visits: VisitService;
  /** Officer commands for seeding. */
  officers: OfficerService;
  /** Sim door I/O. */
  io: SimDoorIo;
  /** Door readers. */
  reader: { in: SimCardReader; out: SimCardReader };
  /** The desk reader. */
  desk: SimCardReader;
  /** The desk reader as badge programmer (secure badges): `present(card)` while an enrolment waits. */
  badgeWriter: SimBadgeWriter;
  /** A client with its own cookie jar. */
  client(): ConsoleClient;
  /** A client signed in as an officer (with that officer's seeded PIN). */
  signedIn(officer: keyof typeof PINS): Promise<ConsoleClient>;
  /** A visit requested (by O3), checked (O2) and, unless `until` is null, approved (O1) — returns its id. */
  seedVisit(o?: { name?: string; devices?: Array<{ description: string; serial: string }>; approve?: boolean; issue?: string }): string;
  /** Stop the daemon and delete everything. */
  close(): Promise<void>;
}

/** Start a door with its console. `configOverrides` go into the YAML config. */
export async function startConsoleDoor(o: {
  configOverrides?: Record<string, unknown>; log?: Log;
  /** Open the readers the config names (e.g. serial readers on socat ptys) instead of the sim ones (`reader`, `desk` then unused). */
  readersFromConfig?: boolean;
  /** The sim door I/O to use (e.g. one with a fire input); default: a plain sim door. */
  io?: SimDoorIo;
} = {}): Promise<ConsoleDoor> {
  const tc = tempConfig({
    readers: [{ id: 'in', direction: 'in', kind: 'sim' }, { id: 'out', direction: 'out', kind: 'sim' }, { id: 'desk', direction: 'desk', kind: 'sim' }],
    ...o.configOverrides,
  });
  const io = o.io ?? new SimDoorIo();
  const rin = new SimCardReader('in', 'in');
  const rout = new SimCardReader('out', 'out');
  const desk = new SimCardReader('desk', 'desk');
  let server: ConsoleServer | null = null;
  const badgeWriter = new SimBadgeWriter(new BadgeKeyFileSource(tc.config.badges.keyFile, silentLogger()));
  const readers = o.readersFromConfig ? {} : { readers: [rin, rout], deskReader: desk, badgeWriter };
  const daemon = await buildDaemon(tc.config, o.log ?? silentLogger(), { io, ...readers, onConsole: (s) => { server = s; } });
  await daemon.start();
  const con = server as ConsoleServer | null;
  if (!con || con.port === null) throw new Error('the console did not start');
  const store = daemon.parts.store as DoorStore;
  const visits = visitService(tc.config, store);
  const officers = officerService(tc.config, store);
  // People: the first head by setup, then the head registers the others (each with a PIN).
  officers.setupFirstHead({ name: 'Siti Head', badge: CARDS.head, pin: PINS.O1 });
  officers.addOfficer('O1', { name: 'Budi Koordinator', role: 'coordinator', badge: CARDS.coordinator });
  officers.addOfficer('O1', { name: 'Citra Staf', role: 'staff', badge: CARDS.staff });
  officers.setPin('O1', 'O2', PINS.O2);
  officers.setPin('O1', 'O3', PINS.O3);
  visits.addBadge(CARDS.badge1, 'TAMU-01');
  visits.addBadge(CARDS.badge2, 'TAMU-02');
  visits.addBadge(CARDS.badge3, 'TAMU-03');
  const url = `http://127.0.0.1:${con.port}`;
  let n = 0;
  const door: ConsoleDoor = {
    tc, daemon, console: con, url, store, visits, officers, io, reader: { in: rin, out: rout }, desk, badgeWriter,
    client: () => new ConsoleClient(url),
    async signedIn(officer) {
      const c = new ConsoleClient(url);
      await c.signIn(officer, PINS[officer]);
      return c;
    },
    seedVisit(s = {}) {
      n += 1;
      const v = visits.request({ name: s.name ?? `Visitor ${n}`, nik: testNik(n), org: 'PT Contoh', purpose: 'Maintenance server', devices: s.devices ?? [], by: 'O3' });
      visits.check(v.id, 'O2');
      if (s.approve !== false) visits.approve(v.id, 'O1');
      if (s.issue) visits.issue(v.id, s.issue, 'O3', { rulesAcknowledged: true });
      return v.id;
    },
    async close() {
      await daemon.stop('test end');
      tc.cleanup();
    },
  };
  return door;
}

/** A response as the tests read it. */
export interface Page {
  /** HTTP status. */
  status: number;
  /** Body text. */
  text: string;
  /** Redirect target, if any. */
  location: string | null;
  /** Response headers. */
  headers: Headers;
}

/** A browser-like client: cookie jar, CSRF token taken from the last page, forms sent as urlencoded. */
export class ConsoleClient {
  /** Cookies by name. */
  readonly cookies = new Map<string, string>();
  /** Set-Cookie headers as received (flags included). */
  readonly setCookies: string[] = [];
  /** CSRF token of the last page read. */
  csrf = '';

  constructor(readonly url: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      this.setCookies.push(c);
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(c) || value === '') this.cookies.delete(name); else this.cookies.set(name, value);
    }
  }

  /** GET a path (no redirect following). */
  async get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    const res = await fetch(this.url + path, { redirect: 'manual', headers: { cookie: this.cookieHeader(), ...headers } });
    this.take(res);
    const text = await res.text();
    const m = /<meta name="csrf" content="([^"]*)"/.exec(text) ?? /name="_csrf" value="([^"]+)"/.exec(text);
    if (m?.[1]) this.csrf = m[1];
    return { status: res.status, text, location: res.headers.get('location'), headers: res.headers };
  }

  /** POST a form (with this client's CSRF token unless `_csrf` is given; repeated fields as arrays). */
  async post(path: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Page> {
    if (!this.csrf) await this.get('/signin');
    const body = new URLSearchParams();
    if (!('_csrf' in fields)) body.append('_csrf', this.csrf);
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    const res = await fetch(this.url + path, {
      method: 'POST', redirect: 'manual', body,
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', origin: this.url, ...headers },
    });
    this.take(res);
    const text = await res.text();
    const m = /<meta name="csrf" content="([^"]*)"/.exec(text);
    if (m?.[1]) this.csrf = m[1];
    return { status: res.status, text, location: res.headers.get('location'), headers: res.headers };
  }

  /** Sign in with an officer id and PIN; throws unless it worked. */
  async signIn(officer: string, pin: string): Promise<void> {
    await this.get('/signin');
    const r = await this.post('/signin', { officer, pin });
    if (r.status !== 303) throw new Error(`sign-in of ${officer} failed: ${r.status}`);
    await this.get('/door');
  }

  /** Open the live stream; messages arrive in `messages` until `close()`. */
  async live(path = '/live'): Promise<LiveStream> {
    const ac = new AbortController();
    const res = await fetch(this.url + path, { headers: { cookie: this.cookieHeader(), accept: 'text/event-stream' }, signal: ac.signal });
    if (res.status !== 200 || !res.body) throw new Error(`live stream refused: ${res.status}`);
    return new LiveStream(res.body, ac);
  }
}

/** An open SSE stream. */
export class LiveStream {
  /** Messages received so far. */
  readonly messages: Array<{ event: string; data: string }> = [];
  private waiters: Array<() => void> = [];

  constructor(body: ReadableStream<Uint8Array>, private readonly ac: AbortController) {
    void this.read(body);
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          }
          if (data.length) { this.messages.push({ event, data: data.join('\n') }); for (const w of this.waiters.splice(0)) w(); }
        }
      }
    } catch { /* aborted */ }
  }

  /** Wait for a message of `event` whose data passes `test` (default: any), up to `ms`. */
  async waitFor(event: string, test: (data: string) => boolean = () => true, ms = 15_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = this.messages.find((x) => x.event === event && test(x.data));
      if (m) return m.data;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no "${event}" message in ${ms} ms (got: ${this.messages.map((x) => x.event).join(', ')})`);
      await new Promise<void>((r) => { const t = setTimeout(r, left); this.waiters.push(() => { clearTimeout(t); r(); }); });
    }
  }

  /** Close the stream. */
  close(): void {
    this.ac.abort();
  }
}

/**
 * The console's own machinery, without a browser: the event feed (every committed event once, in order, whoever
 * committed it), sessions (idle timeout, tokens kept only hashed), desk taps (one-time, expiring, never the UID out),
 * the listen rule (plain HTTP only on loopback), and the message catalogue (both languages complete).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { EventFeed } from '../../src/app/event-feed.js';
import { event } from '../../src/domain/events.js';
import type { StoredEvent } from '../../src/ports/store.js';
import { SessionStore } from '../../src/adapters/console/session.js';
import { DeskTaps, DESK_TAP_MS } from '../../src/adapters/console/desk-taps.js';
import { Catalogue } from '../../src/adapters/console/i18n/index.js';
import { ConsoleServer, isLoopback, parseListen } from '../../src/adapters/console/server.js';
import { consoleSchema } from '../../src/config/schema.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import type { ConsolePorts, ConsoleQueries } from '../../src/ports/console.js';
import { UserError } from '../../src/domain/errors.js';
import { maskNik } from '../../src/domain/nik.js';

function withStore<T>(fn: (store: Store) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'pintu-feed-'));
  const store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'normal' }), 'd1', null);
  try { return fn(store); } finally { store.db.close(); rmSync(dir, { recursive: true, force: true }); }
}

const append = (store: Store, n: number): StoredEvent[] => store.tx(() => store.events.append(Array.from({ length: n }, () => event('door.rex', {})), Date.now()));

describe('event feed', () => {
  it('gives every committed event once and in order: published, committed elsewhere (polled), and published again', () => {
    withStore((store) => {
      append(store, 2); // before the feed: not replayed
      const feed = new EventFeed(store.events, silentLogger());
      const seen: number[] = [];
      feed.subscribe((events) => { for (const e of events) seen.push(e.seq); });
      feed.publish(append(store, 2));
      append(store, 3); // another process (CLI): nobody publishes these
      const later = append(store, 1);
      feed.publish(later); // the gap is noticed: the three in between come first
      feed.publish(later); // published twice: once only
      feed.poll();
      append(store, 600);
      feed.poll();
      expect(seen).toEqual(Array.from({ length: 606 }, (_, i) => i + 3));
    });
  });

  it('a listener that throws does not stop the others', () => {
    withStore((store) => {
      const feed = new EventFeed(store.events, silentLogger());
      let got = 0;
      feed.subscribe(() => { throw new Error('boom'); });
      feed.subscribe((e) => { got += e.length; });
      feed.publish(append(store, 3));
      expect(got).toBe(3);
    });
  });
});

describe('sessions', () => {
  it('end after the idle time, and a request inside it keeps them alive', () => {
    const s = new SessionStore(60_000);
    const { token } = s.open('O1', 'id', 0);
    expect(s.touch(token, 59_000)?.officerId).toBe('O1');
    expect(s.touch(token, 118_000)?.officerId).toBe('O1');
    expect(s.touch(token, 178_001)).toBeNull();
    expect(s.touch(token, 178_002)).toBeNull();
  });

  it('peek does not keep a session alive; sweep reports the officers timed out; tokens are random and not guessable from each other', () => {
    const s = new SessionStore(1000);
    const a = s.open('O1', 'id', 0);
    const b = s.open('O2', 'en', 500);
    expect(a.token).not.toBe(b.token);
    expect(a.token.length).toBeGreaterThanOrEqual(40);
    expect(s.peek(a.token, 900)?.officerId).toBe('O1');
    expect(s.sweep(1200)).toEqual(['O1']);
    expect(s.size).toBe(1);
    expect(s.endOfficer('O2')).toBe(1);
    expect(s.touch(b.token, 1300)).toBeNull();
  });
});

describe('desk taps', () => {
  const queries = {
    officerByBadge: (uid: string) => (uid === 'AA01' ? { id: 'O3', name: 'Citra', role: 'staff', badgeUid: uid, active: true, presence: 'outside', enteredAt: null } : null),
    badge: (uid: string) => (uid === 'BB01' ? { uid, label: 'TAMU-01', status: 'available', visitId: null } : null),
  } as unknown as ConsoleQueries;

  it('tells what the card is by a token, never its UID, and a token works once', () => {
    let now = 0;
    const taps = new DeskTaps(queries, () => now);
    const officer = taps.add({ uid: 'AA01' });
    const badge = taps.add({ uid: 'BB01' });
    const ktp = taps.add({ uid: '04A1B2C3D4E5F6' });
    expect(officer).toMatchObject({ kind: 'officer', officer: 'O3' });
    expect(badge).toMatchObject({ kind: 'badge', label: 'TAMU-01', status: 'available' });
    expect(ktp.kind).toBe('card');
    for (const n of [officer, badge, ktp]) expect(JSON.stringify(n)).not.toMatch(/AA01|BB01|04A1B2C3D4E5F6/);
    expect(taps.take(badge.token)?.uid).toBe('BB01');
    expect(taps.take(badge.token)).toBeNull();
    expect(taps.take('latest')?.uid).toBe('04A1B2C3D4E5F6');
    expect(taps.take('latest')).toBeNull();
    now = DESK_TAP_MS + 1;
    expect(taps.take(officer.token)).toBeNull();
  });
});

describe('listen rule', () => {
  const ports = { queries: {} } as unknown as ConsolePorts;
  const opts = (c: Record<string, unknown>) => ({ config: consoleSchema.parse(c), site: 's', door: 'd', timeZone: 'Asia/Jakarta', standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day' as const });

  it('refuses plain HTTP on a LAN address unless allowPlainHttp, and names the setting', () => {
    expect(() => new ConsoleServer(ports, opts({ listen: '0.0.0.0:8080' }), silentLogger())).toThrow(UserError);
    expect(() => new ConsoleServer(ports, opts({ listen: '192.168.1.20:8080' }), silentLogger())).toThrow(/console\.tls.*allowPlainHttp/);
    expect(() => new ConsoleServer(ports, opts({ listen: '0.0.0.0:8080', allowPlainHttp: true }), silentLogger())).not.toThrow();
    expect(() => new ConsoleServer(ports, opts({ listen: '127.0.0.1:8080' }), silentLogger())).not.toThrow();
    expect(() => new ConsoleServer(ports, opts({ listen: '[::1]:8080' }), silentLogger())).not.toThrow();
  });

  it('a missing TLS file is named', () => {
    expect(() => new ConsoleServer(ports, opts({ listen: '0.0.0.0:8443', tls: { certFile: '/nonexistent/c.pem', keyFile: '/nonexistent/k.pem' } }), silentLogger()))
      .toThrow(/console\.tls\.certFile: cannot read \/nonexistent\/c\.pem/);
  });

  it('parses host:port and knows loopback', () => {
    expect(parseListen('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
    expect(() => parseListen('host:99999')).toThrow(/console\.listen/);
    expect(isLoopback('127.0.0.2')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('10.0.0.1')).toBe(false);
  });
});

describe('catalogue and display', () => {
  it('every key has a non-empty text in both languages, with the same placeholders', () => {
    const c = new Catalogue();
    expect(c.keys().length).toBeGreaterThan(50);
    for (const k of c.keys()) {
      const id = c.raw('id', k)!;
      const en = c.raw('en', k)!;
      expect(id.trim(), k).not.toBe('');
      expect(en.trim(), k).not.toBe('');
      const ph = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(ph(en), k).toEqual(ph(id));
    }
  });

  it('a NIK is never shown whole (issue 14: the one mask of the domain, region and serial kept, birth date hidden)', () => {
    expect(maskNik('3201011205900001')).toBe('320101******0001');
    expect(maskNik('3201011205900001')).not.toMatch(/120590/);
  });
});

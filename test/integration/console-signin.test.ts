/**
 * Signing in to the officers' console of a real door (daemon, store, write queue, sim door and desk readers): by a
 * badge tapped on the desk reader plus the PIN; five wrong PINs lock the badge and raise an alarm that every page's
 * banner shows until an officer acknowledges it (an event with the actor); cookies HttpOnly and SameSite=Strict; a
 * change without the CSRF token, or from another origin, changes nothing; and at debug level the log holds no name,
 * NIK or PIN after a whole visit was filed through the console.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log/pino.js';
import { CARDS, PINS, startConsoleDoor, type ConsoleDoor } from '../helpers/console.js';
import { until } from '../helpers/cli.js';

let door: ConsoleDoor | null = null;
afterEach(async () => { await door?.close(); door = null; });

describe('console sign-in', () => {
  it('a badge tapped on the desk reader picks the officer; with the PIN the session opens, and the live stream tells the sign-in page of the tap', async () => {
    door = await startConsoleDoor();
    const c = door.client();
    await c.get('/signin');
    const live = await c.live('/live?signin=1');
    door.desk.tap(CARDS.staff);
    const data = JSON.parse(await live.waitFor('desk')) as { token: string; kind: string; officer: string };
    live.close();
    expect(data).toMatchObject({ kind: 'officer', officer: 'O3' });
    expect(JSON.stringify(data)).not.toContain(CARDS.staff);
    // The token stands for the badge: the select field is ignored.
    const r = await c.post('/signin', { tap: data.token, officer: 'O1', pin: PINS.O3 });
    expect(r.status).toBe(303);
    const home = await c.get('/door');
    expect(home.status).toBe(200);
    expect(home.text).toContain('Citra Staf');
    const session = c.setCookies.find((x) => x.startsWith('pintu_session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    expect(session).not.toMatch(/Secure/); // plain HTTP on loopback: a Secure cookie would never come back
    const signedIn = door.store.events.since(0).filter((e) => e.type === 'officer.signed_in');
    expect(signedIn.map((e) => e.data.officer)).toEqual(['O3']);
  });

  it('five wrong PINs lock the badge (the right PIN then fails too) and raise an alarm shown on every page until acknowledged', async () => {
    door = await startConsoleDoor();
    const c = door.client();
    await c.get('/signin');
    for (let i = 0; i < 5; i += 1) {
      const r = await c.post('/signin', { officer: 'O3', pin: '111222' });
      expect(r.status).toBe(i < 4 ? 401 : 429);
    }
    const locked = await c.post('/signin', { officer: 'O3', pin: PINS.O3 });
    expect(locked.status).toBe(429);
    expect(locked.text).toMatch(/dikunci sampai \d\d:\d\d WIB/);
    expect(c.cookies.has('pintu_session')).toBe(false);
    const alarm = door.store.events.since(0).find((e) => e.type === 'alarm.pin_lockout')!;
    expect(alarm.data.officer).toBe('O3');
    // Another officer sees the alarm on every page, acknowledges it, and it is gone; the acknowledgement names them.
    const head = await door.signedIn('O1');
    for (const path of ['/door', '/visits', '/queue']) expect((await head.get(path)).text).toContain('kartu petugas O3 dikunci');
    const ack = await head.post(`/alarms/${alarm.seq}/ack`, { note: 'checked with Citra' });
    expect(ack.status).toBe(303);
    await until(() => door!.store.events.since(alarm.seq).find((e) => e.type === 'alarm.acknowledged'), 'the acknowledgement');
    const acked = door.store.events.since(alarm.seq).find((e) => e.type === 'alarm.acknowledged')!;
    expect(acked.data).toMatchObject({ alarm: alarm.seq, officer: 'O1' });
    expect((await head.get('/door')).text).not.toContain('kartu petugas O3 dikunci');
  });

  it('a change without the CSRF token, with a wrong one, or from another origin is refused and changes nothing', async () => {
    door = await startConsoleDoor();
    const head = await door.signedIn('O1');
    const id = door.seedVisit({ approve: false });
    const before = door.store.events.lastSeq();
    const fields = { untilDate: '2099-01-01', untilTime: '17:00' };
    expect((await head.post(`/visits/${id}/approve`, { ...fields, _csrf: '' })).status).toBe(403);
    expect((await head.post(`/visits/${id}/approve`, { ...fields, _csrf: 'x'.repeat(32) })).status).toBe(403);
    expect((await head.post(`/visits/${id}/approve`, fields, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await head.post(`/visits/${id}/approve`, fields, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect(door.store.events.lastSeq()).toBe(before);
    expect(door.store.visit(id)!.state).toBe('checked');
    // Still signed in: the refusal did not end the session.
    expect((await head.get('/door')).status).toBe(200);
  });

  it('a body over 64 KiB is refused before it is read, and the console goes on serving', async () => {
    door = await startConsoleDoor();
    const c = await door.signedIn('O3');
    const r = await c.post('/visits/new', { name: 'x'.repeat(70 * 1024) });
    expect(r.status).toBe(413);
    expect((await c.get('/door')).status).toBe(200);
    expect(door.store.visits().length).toBe(0);
  });

  it('a console on loopback answers only to loopback host names (no DNS rebinding from a page in a browser on the Pi)', async () => {
    door = await startConsoleDoor();
    const port = Number(new URL(door.url).port);
    // fetch() will not send another Host header: node:http does, as a rebinding browser would.
    const get = (host: string): Promise<{ status: number; body: string }> => new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/signin', headers: { host } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => { body += d.toString(); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect((await get(`127.0.0.1:${port}`)).status).toBe(200);
    expect((await get(`localhost:${port}`)).status).toBe(200);
    const rebound = await get('attacker.example:8080');
    expect(rebound.status).toBe(421);
    expect(rebound.body).not.toContain('<form');
  });

  it('signing out ends the session: the old cookie no longer opens any page', async () => {
    door = await startConsoleDoor();
    const c = await door.signedIn('O2');
    const cookie = c.cookies.get('pintu_session')!;
    expect((await c.post('/signout', {})).location).toBe('/signin?bye=1');
    const replay = door.client();
    replay.cookies.set('pintu_session', cookie);
    const r = await replay.get('/door');
    expect(r.status).toBe(303);
    expect(r.location).toMatch(/^\/signin/);
    expect(door.store.events.since(0).filter((e) => e.type === 'officer.signed_out').map((e) => e.data.officer)).toEqual(['O2']);
  });

  it('no name, NIK or PIN reaches the log, even at debug level, after a visit was filed and decided through the console', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-log-'));
    const file = join(dir, 'log.jsonl');
    try {
      door = await startConsoleDoor({ log: createLogger('debug', file) });
      const staff = await door.signedIn('O3');
      const nik = '3201011205900077';
      const form = { name: 'Dewi Rahasia', nik, org: 'PT Sangat Pribadi', phone: '0812-9999-1234', purpose: 'Audit', planned: '60', letterRef: 'HD-1', kind: 'visit' };
      const r = await staff.post('/visits/new', form);
      expect(r.status).toBe(303);
      const bad = await staff.post('/visits/new', { ...form, nik: '3201011205900' });
      expect(bad.status).toBe(422);
      const wrong = door.client();
      await wrong.get('/signin');
      await wrong.post('/signin', { officer: 'O1', pin: '864200' });
      await door.close();
      door = null;
      const log = readFileSync(file, 'utf8');
      expect(log.length).toBeGreaterThan(0);
      for (const secret of ['Dewi', 'Rahasia', nik, '3201011205900', 'Sangat Pribadi', '9999-1234', PINS.O1, PINS.O3, '864200', 'Siti Head', 'Citra Staf']) {
        expect(log, secret).not.toContain(secret);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A hostile review of the officers' console (issue 12) on a real door: a live stream ends with its session (sign-out,
 * idle timeout, PIN reset), and no redirect leaves the console (`next` of the language switch, the Referer an alarm
 * acknowledgement returns to).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CARDS, startConsoleDoor, type ConsoleDoor } from '../helpers/console.js';

let door: ConsoleDoor | null = null;
afterEach(async () => { await door?.close(); door = null; });

describe('console review: live streams end with their session', () => {
  it('a stream opened while signed in gets no pane and no desk tap once its session ended (sign-out in another tab, idle timeout), while a live session still does', async () => {
    door = await startConsoleDoor();
    const signedOut = await door.signedIn('O3');
    const idle = await door.signedIn('O2');
    const still = await door.signedIn('O1');
    const [s1, s2, s3] = await Promise.all([signedOut.live(), idle.live(), still.live()]);
    await Promise.all([s1.waitFor('hello'), s2.waitFor('hello'), s3.waitFor('hello')]);
    // Sign-out from another tab of the same browser (same cookie); O2's session times out (the sweep's view).
    expect((await signedOut.post('/signout', {})).status).toBe(303);
    const ctx = door.console.context;
    const o2 = [...(ctx.sessions as unknown as { sessions: Map<string, { officerId: string; lastSeen: number }> }).sessions.values()].find((s) => s.officerId === 'O2')!;
    o2.lastSeen -= ctx.settings.idleMs + 1000;
    door.seedVisit({ name: 'Rahasia Sesudah Keluar', approve: false });
    door.desk.tap(CARDS.badge1);
    await s3.waitFor('queue', (d) => d.includes('Rahasia Sesudah Keluar'));
    await s3.waitFor('desk');
    await new Promise((r) => setTimeout(r, 300));
    for (const s of [s1, s2]) {
      expect(s.messages.filter((m) => m.event !== 'hello').map((m) => m.event)).toEqual([]);
      s.close();
    }
    s3.close();
  }, 30_000);

  it('a stream of an officer whose PIN a head reset (every session of theirs ended) gets nothing more', async () => {
    door = await startConsoleDoor();
    const staff = await door.signedIn('O3');
    const s = await staff.live();
    await s.waitFor('hello');
    door.console.context.sessions.endOfficer('O3');
    expect((await staff.get('/door')).status).toBe(303);
    door.seedVisit({ name: 'Rahasia Sesudah Reset', approve: false });
    const head = await door.signedIn('O1');
    const h = await head.live();
    await h.waitFor('hello');
    door.seedVisit({ name: 'Kedua', approve: false });
    await h.waitFor('queue', (d) => d.includes('Kedua'));
    await new Promise((r) => setTimeout(r, 300));
    expect(s.messages.filter((m) => m.event !== 'hello').map((m) => m.event)).toEqual([]);
    s.close();
    h.close();
  }, 30_000);
});

describe('console review: no redirect leaves the console', () => {
  it('the language switch never redirects to another host (//host), and an alarm acknowledgement never returns to a Referer path of //host', async () => {
    door = await startConsoleDoor();
    const head = await door.signedIn('O1');
    // The layout's language form carries the page's path; a link to https://pintu//3232235876 makes it //3232235876.
    const page = await head.get('//3232235876');
    expect(page.text).toContain('name="next" value="//3232235876"');
    const lang = await head.post('/lang', { lang: 'en', next: '//3232235876' });
    expect(lang.status).toBe(303);
    expect(lang.location).not.toMatch(/^\/\//);
    const ack = await head.post('/alarms/999999/ack', { note: '' }, { referer: `${door.url}//evil-host/x` });
    expect(ack.status).toBe(303);
    expect(ack.location).not.toMatch(/^\/\//);
    const normal = await head.post('/alarms/999999/ack', { note: '' }, { referer: `${door.url}/queue` });
    expect(normal.location).toBe('/queue');
  }, 30_000);
});

describe('console review: SOP step 5 through the console', () => {
  it('a visit holding a special badge is not checked out (KTP back, badge "available") until its badge is tapped back', async () => {
    door = await startConsoleDoor();
    const staff = await door.signedIn('O3');
    const id = door.seedVisit({ issue: 'TAMU-01' });
    expect((await staff.get(`/visits/${id}/checkout`)).status).toBe(200);
    let r = await staff.post(`/visits/${id}/checkout`, {});
    expect(r.status).toBe(422);
    expect(r.text).toContain('Tempelkan kartu khusus TAMU-01 yang dikembalikan');
    expect(door.store.visit(id)).toMatchObject({ state: 'issued', ktpHeld: true, badgeUid: CARDS.badge1 });
    expect(door.store.badge(CARDS.badge1)?.status).toBe('issued');
    // The visit's badge tapped back: checked out, the badge back in the pool.
    const live = await staff.live();
    await live.waitFor('hello');
    door.desk.tap(CARDS.badge1);
    const token = (JSON.parse(await live.waitFor('desk')) as { token: string }).token;
    live.close();
    r = await staff.post(`/visits/${id}/checkout`, { tap: token });
    expect(r.status).toBe(303);
    expect(door.store.visit(id)).toMatchObject({ state: 'checked_out', ktpHeld: false, badgeUid: null });
    expect(door.store.badge(CARDS.badge1)?.status).toBe('available');
  }, 30_000);
});

describe('console review: sign-in floods do not take the door\'s CPU', () => {
  it('PIN hashes run one at a time however many sign-ins arrive at once; the surplus is refused (429), and the door\'s officer still signs in afterwards', async () => {
    door = await startConsoleDoor();
    const officers = door.console.context.ports.officers;
    const matchPin = officers.matchPin.bind(officers);
    let running = 0;
    let most = 0;
    officers.matchPin = async (id, pin) => {
      running += 1; most = Math.max(most, running);
      try { return await matchPin(id, pin); } finally { running -= 1; }
    };
    const attacker = door.client();
    await attacker.get('/signin');
    // 24 sign-ins at once from a LAN host, each for another (unknown) officer id, so no lock stops them.
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => attacker.post('/signin', { officer: `O${100 + i}`, pin: '582914' })));
    expect(answers.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    expect(answers.some((r) => r.status === 429)).toBe(true);
    expect(most).toBe(1);
    const staff = await door.signedIn('O3');
    expect((await staff.get('/door')).status).toBe(200);
  }, 60_000);
});

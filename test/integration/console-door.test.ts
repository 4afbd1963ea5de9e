/**
 * The live door, the muster list and the daily list over HTTP and SSE, on a real daemon (store in a temp dir, sim
 * door and readers) with its console (test/helpers/console.ts): taps at the door reach an open live stream as the
 * `door`, `inside` and `events` panes without reload (escort named, badge by its label, never a card UID); the muster
 * list names the visitor with escort, devices and since when; the daily list holds the day's visits with the head's
 * signature lines; a visitor named with HTML is text everywhere. Each `it` starts its own door.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CARDS, startConsoleDoor, type ConsoleDoor } from '../helpers/console.js';
import { localDate } from '../../src/domain/time.js';

const doors: ConsoleDoor[] = [];
afterEach(async () => {
  for (const d of doors.splice(0)) await d.close();
});

async function door(): Promise<ConsoleDoor> {
  const d = await startConsoleDoor();
  doors.push(d);
  return d;
}

/** Wait until `cond` holds (polling), or fail naming `what`. */
async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Tap a card at the entry reader once the door is locked again, and walk through: wait for the strike, open and close the door. */
async function walkIn(d: ConsoleDoor, uid: string): Promise<void> {
  await until(() => !d.io.relay.isOn, 'the door locked before the tap');
  const grants = d.io.relayHistory.filter((c) => c.on).length;
  d.reader.in.tap(uid);
  await until(() => d.io.relayHistory.filter((c) => c.on).length > grants, `the strike for ${uid}`);
  d.io.openDoor();
  await new Promise((r) => setTimeout(r, 50));
  d.io.closeDoor();
}

/** The head (O1) and then the visitor of `visit` (badge TAMU-01) walk in: the visit is inside, escorted by the head. */
async function headAndVisitorIn(d: ConsoleDoor): Promise<void> {
  await walkIn(d, CARDS.head);
  await walkIn(d, CARDS.badge1);
}

const today = (): string => { const x = localDate(Date.now(), 'Asia/Jakarta'); return `${x.slice(0, 4)}-${x.slice(4, 6)}-${x.slice(6)}`; };

describe('console: live door', () => {
  it('a tap at the door appears in the inside, events and door panes of an open live stream, without reload', async () => {
    const d = await door();
    const visit = d.seedVisit({ name: 'Dewi Lestari', devices: [{ description: 'Laptop Lenovo', serial: 'PF-12345' }], issue: CARDS.badge1 });
    const staff = await d.signedIn('O3');
    const before = await staff.get('/door');
    expect(before.status).toBe(200);
    expect(before.text).toContain('Tidak ada orang di dalam ruang server.');
    const live = await staff.live();
    try {
      await live.waitFor('hello');
      await headAndVisitorIn(d);
      const inside = await live.waitFor('inside', (x) => x.includes(`data-visit="${visit}"`));
      expect(inside).toContain('Dewi Lestari');
      expect(inside).toMatch(/data-label="Pendamping">Siti Head</);
      expect(inside).toContain('TAMU-01');
      expect(inside).toMatch(/<tr data-officer="O1">/);
      expect(inside).toMatch(/data-label="Di dalam sejak"><time datetime="[^"]+">\d{2}:\d{2} WIB<\/time>/);
      const events = await live.waitFor('events', (x) => x.includes(`pengunjung kunjungan ${visit}`));
      expect(events).toContain(`Akses diberikan: pengunjung kunjungan ${visit} (kartu TAMU-01) masuk, didampingi Siti Head (pembaca in)`);
      expect(events).toContain('Akses diberikan: petugas Siti Head masuk (pembaca in)');
      for (const m of live.messages) expect(m.data).not.toContain(CARDS.badge1);
      // The door was unlocked by the grants, then shown locked again once the strike ended (no event marks the relock).
      await live.waitFor('door', (x) => x.includes('data-locked="false"'));
      const unlockedAt = live.messages.findIndex((m) => m.event === 'door' && m.data.includes('data-locked="false"'));
      await until(() => live.messages.slice(unlockedAt).some((m) => m.event === 'door' && m.data.includes('data-locked="true"') && m.data.includes('data-open="false"')), 'the door pane locked again');
    } finally {
      live.close();
    }
    // A reload shows the same.
    const after = await staff.get('/door');
    expect(after.text).toMatch(new RegExp(`<tr data-visit="${visit}">[\\s\\S]*Siti Head`));
  });

  it('the muster list names the visitor with escort, devices and since when, and the officers inside', async () => {
    const d = await door();
    const visit = d.seedVisit({ name: 'Dewi Lestari', devices: [{ description: 'Laptop Lenovo', serial: 'PF-12345' }, { description: 'Konsol serial', serial: 'CS-9' }], issue: CARDS.badge1 });
    await headAndVisitorIn(d);
    const staff = await d.signedIn('O3');
    await until(() => d.store.visit(visit)?.presence === 'inside', 'the visitor inside');
    const muster = await staff.get('/muster');
    expect(muster.status).toBe(200);
    expect(muster.text).toContain('class="print-list"');
    const row = new RegExp(`<tr data-visit="${visit}"><td>1</td><td>Dewi Lestari</td><td>PT Contoh</td>\\s*<td>TAMU-01</td><td>Siti Head</td><td>[\\s\\S]*Laptop Lenovo \\(nomor seri PF-12345\\)[\\s\\S]*Konsol serial \\(nomor seri CS-9\\)[\\s\\S]*</td><td><time[^>]*>\\d{2}:\\d{2} WIB</time></td>`);
    expect(muster.text).toMatch(row);
    expect(muster.text).toMatch(/<tr data-officer="O1"><td>1<\/td><td>Siti Head<\/td><td>Kepala bidang<\/td>/);
    expect(muster.text).toContain('1 pengunjung dan 1 petugas di dalam ruang server');
  });
});

describe('console: daily list', () => {
  it('lists the day\'s visits with masked NIK and signature lines, and no visit on another day', async () => {
    const d = await door();
    const visit = d.seedVisit({ name: 'Dewi Lestari', issue: CARDS.badge1 });
    await headAndVisitorIn(d);
    const head = await d.signedIn('O1');
    const list = await head.get('/daily');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`value="${today()}"`);
    expect(list.text).toMatch(new RegExp(`<tr data-visit="${visit}"><td>1</td>[\\s\\S]*Dewi Lestari</td><td class="nowrap">320101\\*{6}\\d{4}</td>[\\s\\S]*TAMU-01</td><td>Siti Head</td><td><time[^>]*>\\d{2}:\\d{2} WIB</time></td>`));
    expect(list.text).toMatch(/class="signature"[\s\S]*Mengetahui,<br>Kepala bidang[\s\S]*\(nama dan tanda tangan\)/);
    expect(list.text).toContain('Dicetak oleh Siti Head pada');
    const other = await head.get('/daily?day=2001-01-01');
    expect(other.status).toBe(200);
    expect(other.text).not.toContain(visit);
    expect(other.text).toContain('Tidak ada kunjungan pada hari ini.');
    expect((await head.get('/daily?day=2001-13-01')).status).toBe(422);
  });
});

describe('console: names with HTML', () => {
  it('a visitor named <script> is text on the door page, the live stream, the muster and the daily list', async () => {
    const d = await door();
    const name = '<script>alert(1)</script>';
    d.seedVisit({ name, issue: CARDS.badge1 });
    const staff = await d.signedIn('O3');
    await staff.get('/door');
    const live = await staff.live();
    try {
      await live.waitFor('hello');
      await headAndVisitorIn(d);
      const inside = await live.waitFor('inside', (x) => x.includes('data-visit='));
      expect(inside).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(inside).not.toContain(name);
    } finally {
      live.close();
    }
    for (const path of ['/door', '/muster', '/daily']) {
      const page = await staff.get(path);
      expect(page.text, path).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(page.text, path).not.toContain(name);
    }
  });
});

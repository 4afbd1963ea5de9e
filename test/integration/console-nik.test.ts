/**
 * Issue 14, item 2 in the console, through a real daemon, store and console: no page an officer can open for seeded
 * visits (lists, detail, desk screens, printed lists, the queue) holds a full NIK — only the masked one; a head reveals
 * one visit's NIK with a reason (a CSRF-checked POST answered once with `Cache-Control: no-store`), recorded as
 * `visit.nik_revealed` without the NIK; a reveal without a reason and any non-head are refused, recording nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARDS, startConsoleDoor, type ConsoleDoor } from '../helpers/console.js';
import { testNik } from '../helpers/config.js';
import { maskNik } from '../../src/domain/nik.js';

describe('console: NIK masked, revealed only by a head', () => {
  let door: ConsoleDoor;
  let ids: { requested: string; approved: string; issued: string };
  const niks = (): string[] => [1, 2, 3].map((n) => testNik(n));
  const revealed = () => door.store.events.since(0, 100_000).filter((e) => e.type === 'visit.nik_revealed');

  beforeAll(async () => {
    door = await startConsoleDoor();
    const requested = door.seedVisit({ approve: false });
    const approved = door.seedVisit();
    const issued = door.seedVisit({ issue: 'TAMU-01' });
    door.reader.in.tap(CARDS.coordinator);
    ids = { requested, approved, issued };
  }, 60_000);
  afterAll(async () => { await door?.close(); });

  it('no console page shows a full NIK, to any role; the detail shows the masked one', async () => {
    const pages = (id: typeof ids) => ['/visits', `/visits?name=Visitor`, '/daily', '/muster', '/queue', '/door', `/visits/${id.requested}`, `/visits/${id.approved}`,
      `/visits/${id.issued}`, `/visits/${id.approved}/issue`, `/visits/${id.issued}/checkout`, `/visits/${id.requested}/approve`, `/visits/${id.approved}/cancel`,
      `/visits/${id.issued}/revoke`, `/visits/${id.issued}/badge-lost`, '/incidents', '/incidents/print'];
    for (const who of ['O1', 'O2', 'O3'] as const) {
      const c = await door.signedIn(who);
      for (const path of pages(ids)) {
        const r = await c.get(path);
        expect([200, 403], `${who} ${path}`).toContain(r.status);
        for (const nik of niks()) expect(r.text, `${who} ${path}`).not.toContain(nik);
      }
      const detail = await c.get(`/visits/${ids.issued}`);
      expect(detail.text).toContain(maskNik(testNik(3)));
      expect(detail.text).toContain('320101******0003');
      // The reveal form is a head's only.
      expect(detail.text.includes(`action="/visits/${ids.issued}/nik"`), who).toBe(who === 'O1');
    }
  }, 120_000);

  it('a head reveals one NIK with a reason: shown once, not cached, recorded without the NIK', async () => {
    const head = await door.signedIn('O1');
    await head.get(`/visits/${ids.approved}`);
    const before = revealed().length;
    const r = await head.post(`/visits/${ids.approved}/nik`, { reason: 'surat kepolisian 12/2026' });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.text).toContain(testNik(2));
    for (const nik of [testNik(1), testNik(3)]) expect(r.text).not.toContain(nik);
    const events = revealed();
    expect(events.length).toBe(before + 1);
    expect(events.at(-1)).toMatchObject({ data: { visit: ids.approved, officer: 'O1', reason: 'surat kepolisian 12/2026' } });
    expect(JSON.stringify(events.at(-1))).not.toContain(testNik(2));
    // The visit's page afterwards is masked again, and its timeline names the reveal.
    const after = await head.get(`/visits/${ids.approved}`);
    expect(after.text).not.toContain(testNik(2));
    expect(after.text).toContain('data-type="visit.nik_revealed"');
  });

  it('refuses a reveal without a reason, without the CSRF token, and by anyone but a head; nothing is recorded', async () => {
    const before = revealed().length;
    const head = await door.signedIn('O1');
    await head.get(`/visits/${ids.issued}`);
    const empty = await head.post(`/visits/${ids.issued}/nik`, { reason: '  ' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('Tuliskan alasan membuka NIK.');
    expect(empty.text).not.toContain(testNik(3));
    const forged = await head.post(`/visits/${ids.issued}/nik`, { reason: 'x', _csrf: 'forged' });
    expect(forged.status).toBe(403);
    expect(forged.text).not.toContain(testNik(3));
    for (const who of ['O2', 'O3'] as const) {
      const c = await door.signedIn(who);
      await c.get(`/visits/${ids.issued}`);
      const r = await c.post(`/visits/${ids.issued}/nik`, { reason: 'ingin tahu' });
      expect(r.status, who).toBe(403);
      expect(r.text).not.toContain(testNik(3));
    }
    expect(revealed().length).toBe(before);
  }, 60_000);
});

/**
 * Issue 13, SOP step 1 timed through the officers' console: the request form served to an officer carries the intake's
 * start (bound to the session), and the request recorded from it carries step 1's duration against its standard; the
 * same form posted with a start typed in, or from another officer's session, records the request untimed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleDoor, type ConsoleDoor } from '../helpers/console.js';
import { testNik } from '../helpers/config.js';
import type { StoredEvent } from '../../src/domain/events.js';
import { DEFAULT_PRIVACY_NOTICE } from '../../src/config/schema.js';

let door: ConsoleDoor;
beforeAll(async () => { door = await startConsoleDoor(); });
afterAll(async () => { await door?.close(); });

const form = (n: number) => ({ name: 'Budi Santoso', nik: testNik(n), org: 'PT Contoh Jaya', phone: '', purpose: 'Ganti disk', planned: '45', letterRef: '', kind: 'visit' });
const started = (html: string): string => /name="started" value="([^"]*)"/.exec(html)?.[1] ?? '';
const requested = (visit: string): StoredEvent<'visit.requested'> =>
  door.store.events.since(0, 100_000).find((e): e is StoredEvent<'visit.requested'> => e.type === 'visit.requested' && e.data.visit === visit)!;
const visitOf = (location: string | null): string => /\/visits\/(V-[0-9-]+)/.exec(location ?? '')![1]!;

describe('the request form times SOP step 1', () => {
  it('from the form served to the request recorded, against the request standard', async () => {
    const staff = await door.signedIn('O3');
    const page = await staff.get('/visits/new');
    const stamp = started(page.text);
    expect(stamp).toMatch(/^\d+\.[A-Za-z0-9_-]{22}$/);
    // A refused post (a bad NIK) sends the same start back: the intake goes on.
    const refused = await staff.post('/visits/new', { ...form(1), nik: '99', started: stamp });
    expect(refused.status).toBe(422);
    expect(started(refused.text)).toBe(stamp);
    const r = await staff.post('/visits/new', { ...form(1), started: stamp });
    expect(r.status).toBe(303);
    const e = requested(visitOf(r.location));
    expect(e.data).toMatchObject({ step: 1, sopStep: 'request', standardSeconds: 300, overStandard: false });
    expect(e.data.durationSeconds).toBeGreaterThanOrEqual(0);
    expect(e.data.durationSeconds).toBeLessThan(120);
  });

  it('a start typed in, or another session\'s, is no measure: the request is recorded untimed', async () => {
    const staff = await door.signedIn('O3');
    const other = await door.signedIn('O2');
    const theirs = started((await other.get('/visits/new')).text);
    for (const [n, stamp] of [[2, String(Date.now() - 60_000)], [3, theirs], [4, '']] as const) {
      await staff.get('/visits/new');
      const r = await staff.post('/visits/new', { ...form(n), started: stamp });
      expect(r.status).toBe(303);
      const e = requested(visitOf(r.location));
      expect(e.data.step).toBe(1);
      expect(e.data).not.toHaveProperty('durationSeconds');
    }
  });

  it('shows the privacy notice (privacy.notice, Indonesian by default) above the form, for the visitor (issue 14)', async () => {
    const staff = await door.signedIn('O3');
    const page = await staff.get('/visits/new');
    expect(page.text).toContain('<h2 id="privacy-notice-title">Pemberitahuan pelindungan data pribadi</h2>');
    expect(page.text).toContain(DEFAULT_PRIVACY_NOTICE);
    expect(page.text.indexOf('privacy-notice')).toBeLessThan(page.text.indexOf('<form method="post" action="/visits/new"'));
  });
});

/**
 * Issue 14, item 4: data-subject requests end to end through the built CLI. `pintu visit request` prints the privacy
 * notice; `pintu subject find` matches a person's visits by the keyed NIK hash (a visit written before the hash column
 * is backfilled) and shows the NIK masked; `subject export` gives every record about the person (JSON, and a printable
 * Indonesian page written 0600); `subject erase` is refused for a non-head and while a visit is open, then erases the
 * personal fields and free text of every visit of the person (other people untouched), records subject.erased without
 * the NIK, and the event chain still verifies.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';
import { TEST_PIN, addOfficerCli, pintu, pintuJson, setupHead } from '../helpers/cli.js';
import { openStore } from '../../src/main.js';
import { PURGED } from '../../src/app/maintenance/purge.js';

const temps: TempConfig[] = [];
afterEach(() => { for (const t of temps.splice(0)) t.cleanup(); });

const NIK = testNik(7);
const OTHER = testNik(8);
const MASKED = `${NIK.slice(0, 6)}******${NIK.slice(12)}`;

function ok(tc: TempConfig, args: string[], input?: string): string {
  const r = pintu(tc.file, args, input);
  if (r.code !== 0) throw new Error(`pintu ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

describe('data-subject requests (CLI, built dist)', () => {
  it('find by NIK hash, export JSON and HTML, erase by a head once nothing is open; events stay and verify', () => {
    const tc = tempConfig();
    temps.push(tc);
    setupHead(tc.file, 'Siti Rahma', '0A00000001');
    addOfficerCli(tc.file, 'Dewi Lestari', 'staff', '0A00000003');
    const req = (name: string, nik: string, purpose: string): { id: string; stderr: string } => {
      const r = pintu(tc.file, ['visit', 'request', '--name', name, '--nik', nik, '--org', 'PT Contoh <Jaya>', '--purpose', purpose, '--phone', '081255501234', '--by', 'O2']);
      expect(r.code, r.stderr).toBe(0);
      return { id: r.stdout.trim(), stderr: r.stderr };
    };
    const first = req('Budi Subjek', NIK, 'pemeliharaan rak Budi');
    // The privacy notice is given at request time (stderr: stdout stays the id scripts read).
    expect(first.stderr).toContain('Pemberitahuan pelindungan data pribadi');
    expect(first.stderr).toContain('UU PDP No. 27 Tahun 2022');
    ok(tc, ['visit', 'deny', first.id, '--by', 'O1', '--reason', 'surat Budi belum lengkap']);
    ok(tc, ['incident', '--by', 'O1', '--note', 'Budi menunggu di lobi', '--visit', first.id]);
    const second = req('Budi Subjek', NIK, 'audit kedua').id;
    const other = req('Orang Lain', OTHER, 'urusan lain').id;
    // The first visit as a door before the nik_hash column wrote it: no hash anywhere.
    const raw = new Database(join(tc.config.dataDir, 'pintu.db'));
    raw.prepare("UPDATE visits SET nik_hash = NULL, data = json_remove(data, '$.nikHash') WHERE id = ?").run(first.id);
    raw.close();

    const found = pintuJson<{ nikMasked: string; visits: { visit: string; state: string; open: boolean }[] }>(tc.file, ['subject', 'find', '--nik', NIK]);
    expect(found).toEqual({ nikMasked: MASKED, visits: [
      { visit: first.id, state: 'denied', requestedAt: expect.any(Number) as unknown, org: 'PT Contoh <Jaya>', open: false },
      { visit: second, state: 'requested', requestedAt: expect.any(Number) as unknown, org: 'PT Contoh <Jaya>', open: true },
    ] });
    const text = ok(tc, ['subject', 'find', '--nik', NIK]);
    expect(text).toContain(`NIK ${MASKED}: 2 visits`);
    expect(text).toMatch(new RegExp(`${second}\\s+requested .*\\(open\\)`));
    expect(text).not.toContain(NIK);
    expect(pintu(tc.file, ['subject', 'find', '--nik', '123']).stderr).toMatch(/NIK must be exactly 16 digits/);

    // Export: every record about the person, nobody else's.
    const exp = JSON.parse(ok(tc, ['subject', 'export', '--nik', NIK, '--by', 'O1'], `${TEST_PIN}\n`)) as {
      door: string; nikMasked: string; visits: { id: string; visitor: { name: string; nik: string; phone: string }; purpose: string; denyReason: string | null }[];
      incidents: { visitId: string; note: string }[]; events: { type: string; data: { visit?: string } }[];
    };
    expect(exp.door).toBe('door-1');
    expect(exp.visits.map((v) => v.id)).toEqual([first.id, second]);
    expect(exp.visits[0]).toMatchObject({ visitor: { name: 'Budi Subjek', nik: NIK, phone: '081255501234' }, purpose: 'pemeliharaan rak Budi', denyReason: 'surat Budi belum lengkap' });
    expect(exp.incidents).toEqual([expect.objectContaining({ visitId: first.id, note: 'Budi menunggu di lobi' })]);
    expect(exp.events.map((e) => `${e.type} ${e.data.visit}`)).toEqual(expect.arrayContaining([`visit.requested ${first.id}`, `visit.denied ${first.id}`, `incident.recorded ${first.id}`, `visit.requested ${second}`]));
    expect(JSON.stringify(exp)).not.toContain('Orang Lain');
    expect(exp.events.every((e) => e.data.visit === first.id || e.data.visit === second)).toBe(true);
    const file = join(tc.dir, 'salinan.html');
    expect(pintuJson<{ file: string }>(tc.file, ['subject', 'export', '--nik', NIK, '--format', 'html', '--out', file, '--by', 'O1'], `${TEST_PIN}\n`).file).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('<html lang="id">');
    expect(html).toContain('Salinan Data Pribadi atas Permintaan Subjek Data');
    expect(html).toContain(`Kunjungan ${first.id}`);
    expect(html).toContain('Budi menunggu di lobi');
    expect(html).toContain('PT Contoh &lt;Jaya&gt;');
    expect(html).not.toMatch(/<script|Orang Lain/);
    expect(pintu(tc.file, ['subject', 'export', '--nik', NIK, '--format', 'html', '--out', file, '--by', 'O1'], `${TEST_PIN}\n`).stderr).toMatch(/exists; choose a new file name/);
    const exports = ok(tc, ['events', '--json']).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string }).filter((e) => e.type === 'subject.exported');
    expect(exports).toHaveLength(2);

    // Erase: not by a staff officer; not while a visit is open.
    const staff = pintu(tc.file, ['subject', 'erase', '--nik', NIK, '--by', 'O2', '--reason', 'permintaan tertulis 1/2027'], `${TEST_PIN}\n`);
    expect([staff.code, staff.stderr]).toEqual([2, expect.stringMatching(/officer O2 is staff; only an active head may erase/) as unknown]);
    const open = pintu(tc.file, ['subject', 'erase', '--nik', NIK, '--by', 'O1', '--reason', 'permintaan tertulis 1/2027'], `${TEST_PIN}\n`);
    expect(open.code).toBe(2);
    expect(open.stderr).toContain(`visit ${second} (requested) still open`);
    expect(pintuJson<{ visitor: { name: string } }>(tc.file, ['visit', 'show', first.id]).visitor.name).toBe('Budi Subjek');
    ok(tc, ['visit', 'cancel', second, '--by', 'O2', '--reason', 'cancelled']);
    const lastSeq = (): number => pintuJson<{ lastSeq: number }>(tc.file, ['status']).lastSeq;
    const before = lastSeq();
    const erased = pintuJson<{ visits: string[]; incidentNotes: number }>(tc.file, ['subject', 'erase', '--nik', NIK, '--by', 'o1', '--reason', 'permintaan tertulis 1/2027'], `${TEST_PIN}\n`);
    expect(erased).toEqual({ visits: [first.id, second], incidentNotes: 1 });

    const store = openStore(tc.config);
    try {
      for (const id of [first.id, second]) {
        const v = store.visit(id)!;
        expect(v.visitor, id).toEqual({ name: PURGED, nik: '', org: 'PT Contoh <Jaya>', phone: null });
        expect(v.purpose, id).toBe(PURGED);
        expect(v.purged?.why, id).toBe('subject');
      }
      expect(store.visit(first.id)!.denyReason).toBe(PURGED);
      expect(store.incidentsOfVisit(first.id).map((i) => i.note)).toEqual([PURGED]);
      expect(store.visit(other)!.visitor.name).toBe('Orang Lain');
      // The events stay (one more: the erasure, naming the head, the visits and the reason, never the NIK) and verify.
      expect(store.events.lastSeq()).toBe(before + 1);
      const rec = store.events.since(before, 10)[0]!;
      expect(rec).toMatchObject({ type: 'subject.erased', data: { officer: 'O1', visits: [first.id, second], incidentNotes: 1, reason: 'permintaan tertulis 1/2027' } });
      expect(JSON.stringify(store.events.since(0, 10_000))).not.toContain(NIK);
      expect(store.events.verify()).toBeNull();
    } finally {
      store.close();
    }
    // Nothing left to find; the database file no longer holds the name, NIK or phone.
    expect(pintuJson<{ visits: unknown[] }>(tc.file, ['subject', 'find', '--nik', NIK]).visits).toEqual([]);
    const db = readFileSync(join(tc.config.dataDir, 'pintu.db')).toString('latin1');
    for (const gone of ['Budi Subjek', NIK, 'Budi menunggu di lobi']) expect(db, gone).not.toContain(gone);
    const again = pintu(tc.file, ['subject', 'erase', '--nik', NIK, '--by', 'O1', '--reason', 'lagi'], `${TEST_PIN}\n`);
    expect(again.stderr).toMatch(/no visits with this NIK hold personal data/);
  }, 120_000);
});

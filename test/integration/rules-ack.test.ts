/**
 * Issue 14, item 9: at badge issue the visitor acknowledges the server-room rules (site text `visits.rules`, versioned,
 * Indonesian by default). The console's issue screen shows them with a box the officer ticks; without it (or with a
 * page showing an older version) the badge is refused with the reason; the visit keeps {version, time, officer}, shown
 * on its detail and the printed daily list, and `badge.issued` carries the version. The CLI asks for
 * `--rules-acknowledged` and `pintu visit rules` prints the configured text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleDoor, type ConsoleDoor } from '../helpers/console.js';
import { addOfficerCli, pintu, pintuJson, setupHead } from '../helpers/cli.js';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';
import { DEFAULT_RULES } from '../../src/domain/rules.js';

describe('server-room rules acknowledged at badge issue (console)', () => {
  let door: ConsoleDoor;
  beforeAll(async () => { door = await startConsoleDoor(); }, 60_000);
  afterAll(async () => { await door?.close(); });

  it('shows the rules, refuses the badge without the acknowledgement, and records it with the visit and the event', async () => {
    const id = door.seedVisit();
    const staff = await door.signedIn('O3');
    const page = await staff.get(`/visits/${id}/issue`);
    expect(page.text).toContain(`Tata tertib ruang server (versi ${DEFAULT_RULES.version})`);
    for (const line of DEFAULT_RULES.text) expect(page.text).toContain(line);
    expect(page.text).toContain(`name="rules" value="${DEFAULT_RULES.version}"`);

    const refused = await staff.post(`/visits/${id}/issue`, { badge: 'TAMU-01' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Kartu khusus hanya diserahkan setelah pengunjung menyetujui tata tertib ruang server');
    const stale = await staff.post(`/visits/${id}/issue`, { badge: 'TAMU-01', rules: '2025-0' });
    expect(stale.status).toBe(422);
    expect(door.store.visit(id)).toMatchObject({ state: 'approved', badgeUid: null });
    expect(door.store.visit(id)!.rulesAck).toBeUndefined();

    const before = door.store.events.lastSeq();
    const done = await staff.post(`/visits/${id}/issue`, { badge: 'TAMU-01', rules: DEFAULT_RULES.version });
    expect(done.status).toBe(303);
    const v = door.store.visit(id)!;
    expect(v.state).toBe('issued');
    expect(v.rulesAck).toEqual({ version: DEFAULT_RULES.version, at: expect.any(Number), officer: 'O3' });
    const issued = door.store.events.since(before).find((e) => e.type === 'badge.issued');
    expect(issued?.data).toMatchObject({ visit: id, officer: 'O3', rulesVersion: DEFAULT_RULES.version });

    const detail = await staff.get(`/visits/${id}`);
    expect(detail.text).toMatch(new RegExp(`<dt>Tata tertib</dt><dd data-rules="${DEFAULT_RULES.version}">Versi ${DEFAULT_RULES.version}, disetujui \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} WIB \\(\\+07:00\\) di hadapan Citra Staf</dd>`));
    const daily = await staff.get('/daily');
    expect(daily.text).toMatch(new RegExp(`<tr data-visit="${id}">[\\s\\S]*?<td class="nowrap">${DEFAULT_RULES.version}</td></tr>`));
  });

  it('the app refuses an issue without the acknowledgement whoever calls it', () => {
    const id = door.seedVisit();
    expect(() => door.visits.issue(id, 'TAMU-02', 'O3', { rulesAcknowledged: false })).toThrow(/has not acknowledged the server-room rules/);
    expect(door.store.visit(id)?.state).toBe('approved');
  });
});

describe('server-room rules in the CLI, with a site\'s own text', () => {
  let tc: TempConfig;
  beforeAll(() => {
    tc = tempConfig({ visits: { rules: { version: 'KANWIL-3', text: ['Didampingi petugas setiap saat.', 'Tidak membawa makanan.'] } } });
    setupHead(tc.file, 'Siti', '0A00000001');
    addOfficerCli(tc.file, 'Dewi', 'staff', '0A00000003');
    pintuJson(tc.file, ['badge', 'add', '--uid', '1B00000001', '--label', 'TAMU-01']);
  }, 60_000);
  afterAll(() => tc.cleanup());

  it('prints the rules, refuses visit issue without --rules-acknowledged, and keeps the configured version', () => {
    expect(pintu(tc.file, ['visit', 'rules']).stdout).toBe('server-room rules, version KANWIL-3:\n  1. Didampingi petugas setiap saat.\n  2. Tidak membawa makanan.\n');
    const { id } = pintuJson<{ id: string }>(tc.file, ['visit', 'request', '--name', 'Budi', '--nik', testNik(71), '--org', 'PT X', '--purpose', 'audit']);
    pintuJson(tc.file, ['visit', 'check', id, '--by', 'O2']);
    pintuJson(tc.file, ['visit', 'approve', id, '--by', 'O1']);
    const refused = pintu(tc.file, ['visit', 'issue', id, '--badge', 'TAMU-01', '--by', 'O2']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--rules-acknowledged is required: read the server-room rules \(pintu visit rules\) to the visitor/);
    expect(pintuJson(tc.file, ['visit', 'issue', id, '--badge', 'TAMU-01', '--by', 'O2', '--rules-acknowledged'])).toMatchObject({ state: 'issued', rulesVersion: 'KANWIL-3' });
    expect(pintu(tc.file, ['visit', 'show', id]).stdout).toMatch(/ {2}rules: {4}server-room rules version KANWIL-3 acknowledged \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} WIB \(\+07:00\) before O2/);
  }, 60_000);
});

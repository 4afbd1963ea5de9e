/**
 * The tap path never scans: every statement a tap runs (officer in and out, visitor in with an escort, awaiting an
 * escort, visitor out, the last officer leaving a visitor inside, an unknown card, an enrolled badge proved at a secure
 * reader and its copy refused with an alarm) is looked up by index, so its
 * cost does not grow with the number of past visits, events or officers. Checked with EXPLAIN QUERY PLAN on the
 * statements actually executed (better-sqlite3's verbose hook) against a database with history.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { AccessService } from '../../src/app/access-service.js';
import { VisitService } from '../../src/app/visit-service.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import { testNik } from '../helpers/config.js';
import type { CardProof } from '../../src/domain/badge-proof.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('tap path query plans', () => {
  it('uses an index for every statement a tap runs (no SCAN of visits, events, officers or badges)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-plan-'));
    dirs.push(dir);
    const executed: string[] = [];
    let recording = false;
    const db = new Database(join(dir, 'p.db'), { verbose: (sql) => { if (recording) executed.push(String(sql)); } });
    db.pragma('journal_mode = WAL');
    migrate(db);
    const store = new Store(db, 'd1', null);
    let now = Date.UTC(2026, 10, 23, 1, 0, 0);
    const visits = new VisitService(store, { standards: DEFAULT_STANDARDS, defaultValidity: 2, timeZone: 'Asia/Jakarta', secret: Buffer.alloc(32, 1), now: () => now });
    // History: officers and many past visits (checked out, so not inside).
    visits.addOfficer('H', 'head', '0A00');
    for (let i = 1; i <= 30; i++) visits.addOfficer(`S${i}`, 'staff', `0A${String(i).padStart(2, '0')}`);
    visits.addBadge('1B01', 'TAMU-01');
    visits.addBadge('1B02', 'TAMU-02');
    for (let i = 0; i < 300; i++) {
      const v = visits.request({ name: `V${i}`, nik: testNik(1), org: 'O', purpose: 'P' });
      visits.check(v.id, 'O2');
      visits.approve(v.id, 'O1');
      visits.issue(v.id, 'TAMU-01', 'O2', { rulesAcknowledged: true });
      visits.checkout(v.id, 'O2', []);
    }
    const live = [0, 1].map((i) => {
      const v = visits.request({ name: `L${i}`, nik: testNik(2), org: 'O', purpose: 'P' });
      visits.check(v.id, 'O2');
      visits.approve(v.id, 'O1');
      visits.issue(v.id, `TAMU-0${i + 1}`, 'O2', { rulesAcknowledged: true });
      return v.id;
    });
    const access = new AccessService(store, { grant: () => undefined }, {
      policy: { escortRequired: true, escortWindowMs: 30_000, officerRoles: ['staff', 'coordinator', 'head'], antiPassback: true },
      repeatWindowMs: 0, readers: new Map([['in', { direction: 'in', secure: false }], ['out', { direction: 'out', secure: false }], ['sin', { direction: 'in', secure: true }]]), secret: Buffer.alloc(32, 1), now: () => now,
    }, silentLogger());
    const tap = (reader: 'in' | 'out' | 'sin', uid: string, proof?: CardProof): string => access.handleTap({ readerId: reader, uid, tech: 'sim', at: now, ...(proof ? { proof } : {}) })!.outcome;
    // Secure badges (issue 15): an enrolled officer's badge, with enrolments in the table beside it.
    for (let i = 10; i <= 30; i++) store.saveSecureBadge({ uid: `0A${i}`, keyVersion: 1, holder: 'officer', enrolledAt: now }, 'O1');
    recording = true;
    expect(tap('in', '1B01')).toBe('await-escort');
    now += 1000;
    expect(tap('in', '0A05')).toBe('grant'); // resolves the waiting visitor
    expect(tap('in', '1B02')).toBe('grant');
    expect(tap('out', '1B02')).toBe('grant');
    expect(tap('out', '0A05')).toBe('grant'); // last officer out: visitor 1B01 still inside → alarm
    expect(tap('in', '0DEAD1')).toBe('deny');
    expect(tap('sin', '0A12', { kind: 'authenticated', keyVersion: 1, keyAccepted: true })).toBe('grant');
    expect(tap('in', '0A13')).toBe('deny'); // a copy: clone-suspected, with its alarm
    expect(access.checkOverstay()).toEqual([]);
    recording = false;
    expect(store.events.since(0, 100_000).some((e) => e.type === 'alarm.visitor_unescorted' && (e.data.visits as string[]).includes(live[0]!))).toBe(true);
    expect(store.events.since(0, 100_000).filter((e) => e.type === 'alarm.clone_suspected').map((e) => e.data.badge)).toEqual(['0A13']);

    const statements = [...new Set(executed.filter((s) => /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)/i.test(s)))];
    expect(statements.length).toBeGreaterThan(8);
    const scans: string[] = [];
    for (const sql of statements) {
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[];
      for (const p of plan) if (/\bSCAN (visits|events|officers|badges|secure_badges)\b/.test(p.detail)) scans.push(`${p.detail}  ←  ${sql.slice(0, 160)}`);
    }
    expect(scans).toEqual([]);
    access.stop();
    db.close();
  });
});

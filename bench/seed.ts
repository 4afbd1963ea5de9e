/**
 * Fill a pintu database with history for the benchmark, written straight through the store's schema so the daemon
 * starts against a realistic, large database: N visits with Indonesian names, institutions, purposes and devices, in
 * every SOP state (most archived; today's in requested / checked / approved / denied / checked out, the newest
 * `inside` issued and inside now with their escort), and M events in one hash chain — each visit's own events (request,
 * check, approval, badge, taps, checkout, archive: what the console's timeline and searches read), older officer taps
 * before them — with times that only go forward, the visits' milestones being their events' times.
 */
import { join } from 'node:path';
import { openDatabase } from '../src/adapters/sqlite/db.js';
import type { FieldCipher } from '../src/adapters/sqlite/field-cipher.js';
import { searchAad, VisitSealer } from '../src/adapters/sqlite/sealed-visit.js';
import { markEncrypted } from '../src/adapters/sqlite/at-rest.js';
import { eventHash, GENESIS_HASH } from '../src/protocol/chain.js';
import type { Visit, VisitState } from '../src/domain/types.js';

const FIRST = ['Agus', 'Budi', 'Siti', 'Dewi', 'Rudi', 'Sri', 'Ahmad', 'Nur', 'Eko', 'Wahyu', 'Putri', 'Rina', 'Hendra', 'Yusuf', 'Indah',
  'Fajar', 'Ratna', 'Bayu', 'Lestiani', 'Andi', 'Made', 'Ketut', 'Wayan', 'Teguh', 'Fitri', 'Dian', 'Arif', 'Maya', 'Joko', 'Yohanes', 'Theresia'];
const LAST = ['Santoso', 'Wijaya', 'Saputra', 'Hidayat', 'Pratama', 'Kusuma', 'Nugroho', 'Setiawan', 'Rahmawati', 'Siregar', 'Nasution',
  'Simanjuntak', 'Harahap', 'Gunawan', 'Purnomo', 'Susanto', 'Halim', 'Wibowo', 'Utami', 'Permana', 'Hakim', 'Suryadi', 'Manurung'];
const ORGS = ['Dinas Komunikasi dan Informatika', 'PT Telkom Indonesia', 'PT Lintasarta', 'Badan Pusat Statistik', 'CV Mitra Teknik Mandiri',
  'PT Sinar Jaringan Nusantara', 'Universitas Padjadjaran', 'Bappeda', 'PT Biznet Gio Nusantara', 'Dinas Kependudukan dan Pencatatan Sipil',
  'PT Indosat Ooredoo Hutchison', 'BPKAD', 'PT Datacomm Diangraha', 'Inspektorat Daerah', 'PT Schneider Electric Indonesia'];
const PURPOSES = ['pemeliharaan server', 'instalasi perangkat jaringan', 'audit keamanan', 'penggantian baterai UPS', 'pengecekan AC presisi',
  'pemasangan rak baru', 'pencadangan data'];
const DEVICES = ['Laptop', 'Switch 24 port', 'Hard disk eksternal', 'Tang krimping', 'Modul SFP'];
/** The states of today's visits that are not inside, in turn. */
const TODAY: VisitState[] = ['requested', 'checked', 'approved', 'denied', 'revoked', 'checked_out', 'archived'];
/** The officer on duty (inside all along, see door-world.ts): the escort of everyone inside. */
const DUTY = 'O2';
const DAY_MS = 86_400_000;
/** Offset of the default site zone (WIB), for the day in a visit's id. */
const WIB_MS = 7 * 3_600_000;

/** Visit i's state: the newest `inside` issued, the `today` before them in turn, older ones archived (every 50th denied). */
function stateOf(i: number, visits: number, inside: number, today: number): VisitState {
  if (i >= visits - inside) return 'issued';
  if (i >= visits - inside - today) return TODAY[i % TODAY.length]!;
  return i % 50 === 7 ? 'denied' : 'archived';
}

/** Visit i without its id and times: a name, NIK, institution, purpose and device that vary with i. */
function visitAt(i: number, visits: number, inside: number, today: number): Visit {
  const state = stateOf(i, visits, inside, today);
  const name = `${FIRST[(i * 7) % FIRST.length]!} ${LAST[(i * 13 + Math.floor(i / 31)) % LAST.length]!}`;
  const nik = `327301${String(1 + (i % 28) + (i % 2) * 40).padStart(2, '0')}${String(1 + (i % 12)).padStart(2, '0')}${String(60 + (i % 40))}${String(1 + (i % 9999)).padStart(4, '0')}`;
  const devicesIn = [{ description: DEVICES[i % DEVICES.length]!, serial: `SN${(1_000_000 + i * 37).toString(36).toUpperCase()}` }];
  const closed = state === 'checked_out' || state === 'archived';
  const maintenance = i % 10 === 3;
  const v: Visit & { escort?: string } = {
    id: '', kind: maintenance ? 'maintenance' : 'visit', state, presence: state === 'issued' ? 'inside' : closed ? 'outside' : null,
    visitor: { name, nik, org: ORGS[(i * 3) % ORGS.length]!, phone: i % 4 === 0 ? null : `0812${String(10_000_000 + i).slice(-8)}` },
    purpose: PURPOSES[i % PURPOSES.length]!, plannedMinutes: 30 + (i % 4) * 30, devicesIn, devicesOut: closed ? devicesIn : null,
    letterRef: i % 3 === 0 ? `800/${i % 997}/Diskominfo` : null, ktpHash: null, ktpHeld: false, badgeUid: null, validFrom: null, validUntil: null,
    at: {}, by: {}, denyReason: state === 'denied' ? 'surat permohonan belum lengkap' : null, revokeReason: state === 'revoked' ? 'jadwal dibatalkan' : null,
    disposition: maintenance ? { orderedBy: 'Kepala Dinas', reference: `ND/${i % 500}/2026`, date: '2026-01-05' } : null,
    ...(state === 'issued' ? { escort: DUTY } : {}),
  };
  return v;
}

/** A visit's own events (type and data), in order. */
function lifecycle(v: Visit, by: string, badge: string): Array<[string, Record<string, unknown>]> {
  const visit = v.id;
  const e: Array<[string, Record<string, unknown>]> = [['visit.requested', {
    visit, kind: v.kind, step: 1, officer: by, org: v.visitor.org, purpose: v.purpose, plannedMinutes: v.plannedMinutes, devicesIn: v.devicesIn, letterRef: v.letterRef, ktpRead: true,
  }]];
  if (v.state === 'requested') return e;
  e.push(['visit.checked', { visit, officer: by, step: 2, sopStep: 'check' }]);
  if (v.state === 'checked') return e;
  if (v.state === 'denied') return [...e, ['visit.denied', { visit, officer: 'O1', reason: 'surat permohonan belum lengkap', step: 3, sopStep: 'decide' }]];
  e.push(['visit.approved', { visit, officer: 'O1', validFrom: '', validUntil: '', step: 3, sopStep: 'decide' }]);
  if (v.state === 'approved') return e;
  if (v.state === 'revoked') return [...e, ['visit.revoked', { visit, officer: 'O1', reason: 'jadwal dibatalkan', badge: null, presence: null }]];
  e.push(['badge.issued', { visit, officer: by, badge, label: `TAMU-${badge.slice(-2)}`, ktpHeld: true, reissue: false }]);
  e.push(['access.granted', { reader: 'in', direction: 'in', badge: '0A00FFFE00', holder: 'officer', officer: DUTY }]);
  e.push(['access.granted', { reader: 'in', direction: 'in', badge, holder: 'visitor', visit, escort: DUTY }]);
  if (v.state === 'issued') return e;
  e.push(['access.granted', { reader: 'out', direction: 'out', badge, holder: 'visitor', visit, escort: null }]);
  e.push(['visit.checked_out', { visit, officer: by, badge, ktpReturned: true, wasInside: false, devicesOut: v.devicesIn.length, step: 5, sopStep: 'checkout' }]);
  e.push(['badge.returned', { visit, officer: by, badge }]);
  if (v.state === 'checked_out') return e;
  return [...e, ['visit.archived', { visit, officer: by, step: 7, sopStep: 'archive' }]];
}

/** Milestone of each event type, on the visit. */
const MILESTONE: Record<string, keyof Visit['at']> = {
  'visit.requested': 'requested', 'visit.checked': 'checked', 'visit.approved': 'decided', 'visit.denied': 'decided', 'visit.revoked': 'revoked',
  'badge.issued': 'issued', 'visit.checked_out': 'checkedOut', 'visit.archived': 'archived',
};

/** The events of a visit in `state` (the count `lifecycle` gives, without building them). */
const EVENTS_OF: Record<string, number> = { requested: 1, checked: 2, denied: 3, approved: 3, revoked: 4, issued: 6, checked_out: 9, archived: 10 };

/** What to seed beside the history. */
export interface SeedOptions {
  /** Visits inside now (the newest, issued, escorted by the officer on duty). */
  inside?: number;
  /** Today's visits before them in every other state (requested, checked, approved, denied, revoked, checked out, archived). */
  today?: number;
  /** Seal the visitors' personal fields with this cipher, as the door's store does (without: rows in clear, encrypted by the first open with a key). */
  cipher?: FieldCipher;
}

/**
 * Seed `dataDir/pintu.db` for `door` with `visits` visits and `events` events. Without `today`, every visit but the
 * inside ones is closed (archived, every 50th denied) 400 to 50 days ago. Memory stays flat (one visit at a time).
 */
export function seed(dataDir: string, door: string, visits: number, events: number, opts: SeedOptions | number = {}): void {
  const { inside = 0, today = 0, cipher } = typeof opts === 'number' ? { inside: opts } : opts;
  const sealer = cipher ? new VisitSealer(cipher) : null;
  const db = openDatabase(join(dataDir, 'pintu.db'), { synchronous: 'normal' });
  const now = Date.now();
  const t0 = now - 400 * DAY_MS;
  const tEnd = now - 5 * 60_000;
  const timeOf = (seq: number): number => t0 + Math.floor((seq * (tEnd - t0)) / Math.max(1, events));
  // Which of the newest visits have their events in the log (the budget is `events`); older ones' events are gone.
  let withEvents = 0;
  let budget = events;
  while (withEvents < visits && EVENTS_OF[stateOf(visits - 1 - withEvents, visits, inside, today)]! <= budget) {
    budget -= EVENTS_OF[stateOf(visits - 1 - withEvents, visits, inside, today)]!;
    withEvents += 1;
  }
  const firstWith = visits - withEvents;
  // Events 1..budget are older officer taps; the visits without events are spread before the first visit's events.
  const historyEnd = Math.min(timeOf(budget + 1), now - 50 * DAY_MS);
  const search = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'visit_search'").get() !== undefined
    ? db.prepare('INSERT INTO visit_search (id, name, org) VALUES (?, ?, lower(?))') : null;
  const insVisit = db.prepare('INSERT INTO visits (id, kind, state, presence, badge_uid, ktp_hash, requested_at, data, sealed) VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, ?)');
  const insEvent = db.prepare('INSERT INTO events (door, seq, type, at, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
  let prev = GENESIS_HASH;
  let seq = 0;
  const put = (type: string, data: Record<string, unknown>): void => {
    seq += 1;
    const at = new Date(timeOf(seq)).toISOString();
    const text = JSON.stringify(data);
    const hash = eventHash(prev, door, seq, type, at, text);
    insEvent.run(door, seq, type, at, text, prev, hash);
    prev = hash;
  };
  const officerTap = { reader: 'in', direction: 'in', badge: '0A00000003', officer: 'O3', holder: 'officer' };
  while (seq < budget) db.transaction(() => { for (let k = 0; k < 50_000 && seq < budget; k++) put('access.granted', officerTap); })();
  const perDay = new Map<string, number>();
  for (let from = 0; from < visits; from += 5_000) {
    db.transaction(() => {
      for (let i = from; i < Math.min(visits, from + 5_000); i++) {
        const v = visitAt(i, visits, inside, today);
        const by = `O${3 + (i % 50)}`;
        const badge = `1B0000${(1 + (i % 50)).toString(16).toUpperCase().padStart(4, '0')}`;
        const requested = i < firstWith ? t0 + Math.floor((i * (historyEnd - t0)) / Math.max(1, firstWith)) : timeOf(seq + 1);
        const day = new Date(requested + WIB_MS).toISOString().slice(0, 10).replace(/-/g, '');
        const n = (perDay.get(day) ?? 0) + 1;
        perDay.set(day, n);
        v.id = `V-${day}-${String(n).padStart(3, '0')}`;
        const evs = lifecycle(v, by, badge);
        if (evs.length !== EVENTS_OF[v.state]) throw new Error(`seed: ${v.state} has ${evs.length} events, EVENTS_OF says ${EVENTS_OF[v.state]}`);
        // The milestones are the events' times (a minute apart for a visit whose events are gone).
        evs.forEach(([type, data], k) => {
          const at = i < firstWith ? requested + k * 60_000 : timeOf(seq + 1 + k);
          const m = MILESTONE[type];
          if (m) { v.at[m] = at; v.by[m] = String(data.officer ?? by); }
          if (type === 'access.granted' && data.holder === 'visitor') { if (data.direction === 'in') v.at.firstEntry = v.at.lastEntry = at; else v.at.lastExit = at; }
        });
        if (v.at.decided !== undefined && v.state !== 'denied') {
          v.validFrom = v.at.decided;
          v.validUntil = v.state === 'issued' ? now + 12 * 3_600_000 : v.at.decided + 4 * 3_600_000;
          const approved = evs.find(([type]) => type === 'visit.approved')?.[1];
          if (approved) { approved.validFrom = new Date(v.validFrom).toISOString(); approved.validUntil = new Date(v.validUntil).toISOString(); }
        }
        const row = sealer ? sealer.seal(v) : { data: JSON.stringify(v), sealed: null };
        insVisit.run(v.id, v.kind, v.state, v.presence, v.at.requested ?? 0, row.data, row.sealed);
        const name = v.visitor.name.toLowerCase();
        search?.run(v.id, cipher ? cipher.seal(name, searchAad(v.id)) : name, v.visitor.org);
        if (i >= firstWith) for (const [type, data] of evs) put(type, data);
      }
    })();
  }
  if (cipher) markEncrypted(db, cipher);
  db.close();
}

/**
 * Repositories over the SQLite database: officers, visitor badges, visits, incidents, door status, and the health,
 * retention and backup queries (`StorePort`).
 * Write methods are meant to be called inside `Store.tx` (`SqliteTransactions`), together with `events.append`, so that a state change
 * and its event commit atomically.
 * With a data key (`cipher`), visitors' personal fields are sealed in the rows (AES-256-GCM, `sealed-visit.ts`) and every
 * read returns the visit decrypted; without one (tests, the benchmark's clear door) rows are written in clear, and a
 * database already encrypted is refused.
 */
import { WatchlistTable } from './watchlist.js';
import { SecureBadgeTable } from './secure-badges.js';
import type { SecureBadge } from '../../domain/badge-proof.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import { EventLog, fromRow, type Row } from './event-log.js';
import { SqliteTransactions } from './transactions.js';
import { ackedSeq, checkDatabaseInWorker, checkDb, linkStatus } from './db-check.js';
import { backupTo, nightlyBackups, rotate } from './backup.js';
import { ConsoleReads } from './console-reads.js';
import { closedVisitPage, visitIdsClosedBefore } from './retention.js';
import type { FieldCipher } from './field-cipher.js';
import { incidentAad, searchAad, VisitSealer } from './sealed-visit.js';
import { checkDataKey, encryptClearDatabase, resealAll, keyUsage, type KeySource } from './at-rest.js';
import { NameIndex } from './name-index.js';
import type { BadgeStatus, Officer, Presence, Role, Visit, VisitState, VisitorBadge } from '../../domain/types.js';
import type { BackupResult, DbCheckOptions, DbCheckResult, DoorStatusRow, DueVisitPage, Incident, LinkSnapshot, PinRecord, StoreClock, StoredEvent, StorePort, VisitSearch } from '../../ports/store.js';

interface OfficerRow { id: string; name: string; role: Role; badge_uid: string; active: number; presence: Presence; entered_at: number | null }
interface BadgeRow { uid: string; label: string; status: BadgeStatus; visit_id: string | null }

const officerFrom = (r: OfficerRow): Officer => ({ id: r.id, name: r.name, role: r.role, badgeUid: r.badge_uid, active: r.active === 1, presence: r.presence, enteredAt: r.entered_at ?? null });
/** A visit row: its JSON without personal fields and the sealed personal fields (null: written in clear). */
interface VisitRow { data: string; sealed: string | null }

const badgeFrom = (r: BadgeRow): VisitorBadge => ({ uid: r.uid, label: r.label, status: r.status, visitId: r.visit_id });

export type { DoorStatusRow, Incident, StoreClock } from '../../ports/store.js';

/**
 * All repositories of one door's database, with the clock guard that stamps its events (`clock`, typed by what the
 * constructor was given: the root's stores are `Store<ClockGuard>`, so a part that needs the guard cannot be handed a
 * store built without one).
 */
export class Store<C extends StoreClock | null = StoreClock | null> extends SqliteTransactions implements StorePort<C> {
  /** The door's event log. */
  readonly events: EventLog;
  /** The watchlist (issue 14). */
  readonly watchlist: WatchlistTable;
  /** The clock guard that stamps every event of this store (null: none, said explicitly by whoever built the store). */
  readonly clock: C;
  private readonly stmts;
  private readonly reads: ConsoleReads;
  /** The cards enrolled as secure badges (issue 15). */
  private readonly secure: SecureBadgeTable;
  /** Seals and opens visit rows; null: the store writes in clear. */
  private readonly sealer: VisitSealer | null;
  /** The keyed blind index of visit names the console's name search reads (name-index.ts). */
  private readonly names: NameIndex;

  /**
   * Wrap an open, migrated database for the given door, guarded by `clock` (attached here, once the store is ready).
   * With `cipher`: a key that does not open the database is refused (nothing written), and a database still in clear
   * is encrypted now (once; `encryptClearDatabase`). The name index is (re)built when it was built with another key.
   */
  constructor(db: Db, readonly door: string, clock: C, cipher: FieldCipher | null = null, keySource: KeySource | null = null) {
    super(db);
    checkDataKey(db, cipher, keySource);
    this.sealer = cipher ? new VisitSealer(cipher) : null;
    if (this.sealer && !db.readonly) encryptClearDatabase(db, this.sealer);
    this.names = new NameIndex(db, cipher);
    this.names.ensure();
    this.clock = clock;
    this.events = new EventLog(db, door, clock);
    this.watchlist = new WatchlistTable(db, cipher);
    this.secure = new SecureBadgeTable(db);
    this.stmts = {
      officerById: db.prepare<[string], OfficerRow>('SELECT * FROM officers WHERE id = ?'),
      officerByBadge: db.prepare<[string], OfficerRow>('SELECT * FROM officers WHERE badge_uid = ?'),
      badgeByUid: db.prepare<[string], BadgeRow>('SELECT uid, label, status, visit_id FROM badges WHERE uid = ?'),
      badgeByLabel: db.prepare<[string], BadgeRow>('SELECT uid, label, status, visit_id FROM badges WHERE label = ?'),
      visitById: db.prepare<[string], VisitRow>('SELECT data, sealed FROM visits WHERE id = ?'),
      saveVisit: db.prepare(
        `INSERT INTO visits (id, kind, state, presence, badge_uid, ktp_hash, requested_at, data, nik_hash, purged_at, sealed)
         VALUES (@id, @kind, @state, @presence, @badge_uid, @ktp_hash, @requested_at, @data, @nik_hash, @purged_at, @sealed)
         ON CONFLICT(id) DO UPDATE SET state = excluded.state, presence = excluded.presence, badge_uid = excluded.badge_uid, ktp_hash = excluded.ktp_hash,
           data = excluded.data, nik_hash = excluded.nik_hash, purged_at = excluded.purged_at, sealed = excluded.sealed`,
      ),
      // The search row changes only with the name or institution (at request, at the purge): otherwise one lookup, no write.
      // Its sealed name is what the name index is rebuilt from (name-index.ts); the search itself reads the index.
      saveSearch: db.prepare(
        `INSERT INTO visit_search (id, name, org) VALUES (?, ?, lower(?))
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, org = excluded.org WHERE name IS NOT excluded.name OR org IS NOT excluded.org`,
      ),
      // A save whose personal fields did not change (the tap path): the sealed name stays, only the institution is compared.
      saveSearchOrg: db.prepare('UPDATE visit_search SET org = lower(?) WHERE id = ? AND org IS NOT lower(?)'),
      setBadge: db.prepare('UPDATE badges SET status = ?, visit_id = ? WHERE uid = ?'),
      setOfficerPresence: db.prepare('UPDATE officers SET presence = ? WHERE id = ?'),
      setOfficerEntered: db.prepare("UPDATE officers SET presence = 'inside', entered_at = ? WHERE id = ?"),
      officersInside: db.prepare<[], OfficerRow>("SELECT * FROM officers INDEXED BY officers_inside WHERE presence = 'inside'"),
      visitsInside: db.prepare<[], VisitRow>("SELECT data, sealed FROM visits INDEXED BY visits_inside WHERE presence = 'inside'"),
      // Filtered in SQLite: the 5-second check parses only the visits it will mark, not everyone inside.
      overstaying: db.prepare<[number], VisitRow>(
        "SELECT data, sealed FROM visits INDEXED BY visits_inside WHERE presence = 'inside' AND state = 'issued' AND json_extract(data, '$.validUntil') <= ? AND json_extract(data, '$.overstayAt') IS NULL",
      ),
    };
    this.reads = new ConsoleReads(db, door, (r) => this.visitOf(r), this.names);
    clock?.attach(this);
  }

  /** A prepared statement, compiled once per SQL text (the tap path runs the same few statements again and again). */
  private prep<P extends unknown[] | object = unknown[], R = unknown>(sql: string): Statement<P, R> {
    let st = this.prepared.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.prepared.set(sql, st);
    }
    return st as unknown as Statement<P, R>;
  }
  private readonly prepared = new Map<string, Statement<unknown[], unknown>>();

  // --- officers ---

  /** Officer by id. */
  officer(id: string): Officer | null {
    const r = this.stmts.officerById.get(id);
    return r ? officerFrom(r) : null;
  }

  /** Officer by badge UID. */
  officerByBadge(uid: string): Officer | null {
    const r = this.stmts.officerByBadge.get(uid);
    return r ? officerFrom(r) : null;
  }

  /** All officers. */
  officers(): Officer[] {
    return this.prep<[], OfficerRow>('SELECT * FROM officers ORDER BY CAST(substr(id, 2) AS INTEGER)').all().map(officerFrom);
  }

  /** Insert an officer with the next id (`O1`, `O2`, …). */
  addOfficer(o: Omit<Officer, 'id' | 'active' | 'presence' | 'enteredAt'>, now: number): Officer {
    const n = (this.prep<[], { n: number | null }>("SELECT MAX(CAST(substr(id, 2) AS INTEGER)) AS n FROM officers").get()?.n ?? 0) + 1;
    const officer: Officer = { ...o, id: `O${n}`, active: true, presence: 'outside', enteredAt: null };
    this.prep('INSERT INTO officers (id, name, role, badge_uid, active, presence, created_at) VALUES (?, ?, ?, ?, 1, ?, ?)')
      .run(officer.id, officer.name, officer.role, officer.badgeUid, officer.presence, now);
    return officer;
  }

  /** Activate or deactivate an officer. */
  setOfficerActive(id: string, active: boolean): void {
    this.prep('UPDATE officers SET active = ? WHERE id = ?').run(active ? 1 : 0, id);
  }

  /** Change an officer's role. */
  setOfficerRole(id: string, role: Role): void {
    this.prep('UPDATE officers SET role = ? WHERE id = ?').run(role, id);
  }

  /** Give an officer another badge. */
  setOfficerBadge(id: string, badgeUid: string): void {
    this.prep('UPDATE officers SET badge_uid = ? WHERE id = ?').run(badgeUid, id);
  }

  /** An officer's PIN record, or null when there is none. */
  pinRecord(officerId: string): PinRecord | null {
    const r = this.prep<[string], { pin_hash: string | null; set_at: number | null; failures: number; locked_until: number | null }>(
      'SELECT pin_hash, set_at, failures, locked_until FROM officer_pins WHERE officer_id = ?',
    ).get(officerId);
    return r ? { hash: r.pin_hash, setAt: r.set_at, failures: r.failures, lockedUntil: r.locked_until } : null;
  }

  /** Store a new PIN hash; the wrong-PIN counter and any lock are cleared. */
  setPinHash(officerId: string, hash: string, at: number): void {
    this.prep(`INSERT INTO officer_pins (officer_id, pin_hash, set_at, failures, locked_until) VALUES (?, ?, ?, 0, NULL)
      ON CONFLICT(officer_id) DO UPDATE SET pin_hash = excluded.pin_hash, set_at = excluded.set_at, failures = 0, locked_until = NULL`).run(officerId, hash, at);
  }

  /** Store the wrong-PIN counter and lock. */
  setPinAttempts(officerId: string, failures: number, lockedUntil: number | null): void {
    this.prep(`INSERT INTO officer_pins (officer_id, failures, locked_until) VALUES (?, ?, ?)
      ON CONFLICT(officer_id) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until`).run(officerId, failures, lockedUntil);
  }

  /** Record an officer's presence; an entry also records when it was granted (the escort rule reads it). */
  setOfficerPresence(id: string, presence: Presence, at?: number): void {
    if (presence === 'inside' && at !== undefined) this.stmts.setOfficerEntered.run(at, id);
    else this.stmts.setOfficerPresence.run(presence, id);
  }

  /** Officers inside the room (a partial index: the cost does not grow with the number of officers outside). */
  officersInside(): Officer[] {
    return this.stmts.officersInside.all().map(officerFrom);
  }

  /** Visits whose visitor is inside now (a partial index: the cost does not grow with history). */
  visitsInside(): Visit[] {
    return this.stmts.visitsInside.all().map((r) => this.visitOf(r));
  }

  /** Issued visits whose visitor is inside after `now` passed their approval's end, not yet marked overstaying. */
  overstaying(now: number): Visit[] {
    return this.stmts.overstaying.all(now).map((r) => this.visitOf(r));
  }

  // --- visitor badges ---

  /** Badge by UID. */
  badge(uid: string): VisitorBadge | null {
    const r = this.stmts.badgeByUid.get(uid);
    return r ? badgeFrom(r) : null;
  }

  /** Badge by printed label. */
  badgeByLabel(label: string): VisitorBadge | null {
    const r = this.stmts.badgeByLabel.get(label);
    return r ? badgeFrom(r) : null;
  }

  /** All badges. */
  badges(): VisitorBadge[] {
    return this.prep<[], BadgeRow>('SELECT uid, label, status, visit_id FROM badges ORDER BY label').all().map(badgeFrom);
  }

  /** Add a badge to the pool. */
  addBadge(uid: string, label: string, now: number): VisitorBadge {
    this.prep("INSERT INTO badges (uid, label, status, visit_id, created_at) VALUES (?, ?, 'available', NULL, ?)").run(uid, label, now);
    return { uid, label, status: 'available', visitId: null };
  }

  /** Set a badge's pool status and the visit it belongs to. */
  setBadge(uid: string, status: BadgeStatus, visitId: string | null): void {
    this.stmts.setBadge.run(status, visitId, uid);
  }

  // --- secure badges (secure-badges.ts) ---

  /** The enrolment of a card, or null. */
  secureBadge(uid: string): SecureBadge | null { return this.secure.secureBadge(uid); }
  /** Record (or renew) a card's enrolment. */
  saveSecureBadge(b: SecureBadge, by: string): void { this.secure.saveSecureBadge(b, by); }
  /** Forget a card's enrolment; true if it had one. */
  removeSecureBadge(uid: string): boolean { return this.secure.removeSecureBadge(uid); }
  /** Every enrolment, by UID. */
  secureBadges(): SecureBadge[] { return this.secure.secureBadges(); }

  // --- visits ---

  /** The visit of a row, its personal fields opened. */
  private visitOf(r: VisitRow): Visit {
    return this.sealer ? this.sealer.open(r.data, r.sealed) : (JSON.parse(r.data) as Visit);
  }

  /** Visit by id. */
  visit(id: string): Visit | null {
    const r = this.stmts.visitById.get(id);
    return r ? this.visitOf(r) : null;
  }

  /**
   * Insert or update a visit (its personal fields sealed when the store has a data key). The name's index tokens are
   * rewritten when the personal fields changed (at request, at the purge: a purged visit keeps none), never on a tap.
   */
  saveVisit(v: Visit): void {
    const row = { id: v.id, kind: v.kind, state: v.state, presence: v.presence, badge_uid: v.badgeUid, ktp_hash: v.ktpHash, requested_at: v.at.requested ?? 0,
      nik_hash: v.nikHash ?? null, purged_at: v.purged?.at ?? null };
    const indexed = v.purged === undefined ? v.visitor.name : null;
    if (!this.sealer) {
      this.stmts.saveVisit.run({ ...row, data: JSON.stringify(v), sealed: null });
      if (this.stmts.saveSearch.run(v.id, v.visitor.name.toLowerCase(), v.visitor.org).changes > 0) this.names.write(v.id, indexed);
      return;
    }
    const s = this.sealer.seal(v);
    this.stmts.saveVisit.run({ ...row, data: s.data, sealed: s.sealed });
    if (s.reused) {
      this.stmts.saveSearchOrg.run(v.visitor.org, v.id, v.visitor.org);
      return;
    }
    this.stmts.saveSearch.run(v.id, this.sealer.cipher.seal(v.visitor.name.toLowerCase(), searchAad(v.id)), v.visitor.org);
    this.names.write(v.id, indexed);
  }

  /** Visits, newest first, optionally filtered by state or presence. */
  visits(filter: { state?: VisitState; presence?: Presence; limit?: number } = {}): Visit[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.state) { where.push('state = ?'); args.push(filter.state); }
    if (filter.presence) { where.push('presence = ?'); args.push(filter.presence); }
    args.push(filter.limit ?? 1000);
    const sql = `SELECT data, sealed FROM visits ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY requested_at DESC, id DESC LIMIT ?`;
    return this.prep<(string | number)[], VisitRow>(sql).all(...args).map((r) => this.visitOf(r));
  }

  /** The visit whose KTP (by keyed hash) is held at the desk now, if any. */
  visitByKtpHash(hash: string): Visit | null {
    const r = this.prep<[string], VisitRow>("SELECT data, sealed FROM visits WHERE ktp_hash = ? AND json_extract(data, '$.ktpHeld') = 1 ORDER BY requested_at DESC LIMIT 1").get(hash);
    return r ? this.visitOf(r) : null;
  }

  /** Next visit id for the given local date (YYYYMMDD): `V-20261123-001`. */
  nextVisitId(yyyymmdd: string): string {
    const prefix = `V-${yyyymmdd}-`;
    // A range on the primary key ('-' + 1 = '.'): reads only this day's ids. `LIKE` with a parameter cannot use the
    // index and scanned every visit inside the caller's write transaction, holding the lock the daemon's taps wait for.
    // MAX of the number (not ORDER BY id) so that -1000 follows -999.
    const r = this.prep<[string, string], { n: number | null }>('SELECT MAX(CAST(substr(id, 12) AS INTEGER)) AS n FROM visits WHERE id >= ? AND id < ?')
      .get(prefix, `V-${yyyymmdd}.`);
    return `${prefix}${String((r?.n ?? 0) + 1).padStart(3, '0')}`;
  }

  // --- the officers' console's reads (console-reads.ts) ---

  /** A page of visits matching every given filter, newest id first. */
  searchVisits(q: VisitSearch): Visit[] { return this.reads.searchVisits(q); }
  /** Ids of the visits named by events of these types written in [fromIso, toIso). */
  visitIdsWithEvents(types: readonly string[], fromIso: string, toIso: string): string[] { return this.reads.visitIdsWithEvents(types, fromIso, toIso); }
  /** The events naming a visit, oldest first. */
  eventsOfVisit(id: string, limit: number): StoredEvent[] { return this.reads.eventsOfVisit(id, limit); }
  /** The newest events of this door, newest first. */
  recentEvents(limit: number): StoredEvent[] { return this.reads.recentEvents(limit); }
  /** One event by seq, or null. */
  eventAt(seq: number): StoredEvent | null { return this.reads.eventAt(seq); }
  /** Alarms not yet acknowledged, newest first. */
  openAlarms(limit: number): StoredEvent[] { return this.reads.openAlarms(limit); }
  /** Seqs of the open alarms of a type naming a visit. */
  openAlarmsOfVisit(visit: string, type: string): number[] { return this.reads.openAlarmsOfVisit(visit, type); }
  /** Whether the alarm at `seq` is open. */
  alarmOpen(seq: number): boolean { return this.reads.alarmOpen(seq); }

  // --- incidents ---

  /** Write an incident-book entry (its note sealed, bound to the entry's id, when the store has a data key). */
  addIncident(i: Omit<Incident, 'id'>): Incident {
    const r = this.prep('INSERT INTO incidents (at, officer_id, visit_id, note) VALUES (?, ?, ?, ?)').run(i.at, i.officerId, i.visitId, this.sealer ? '' : i.note);
    const id = Number(r.lastInsertRowid);
    if (this.sealer) this.prep('UPDATE incidents SET note = ? WHERE id = ?').run(this.sealer.cipher.seal(i.note, incidentAad(id)), id);
    return { ...i, id };
  }

  /** The entries naming a visit, oldest first. */
  incidentsOfVisit(visitId: string): Incident[] {
    return this.prep<[string], { id: number; at: number; officer_id: string; visit_id: string | null; note: string }>(
      'SELECT * FROM incidents WHERE visit_id = ? ORDER BY id',
    ).all(visitId).map((r) => ({ id: r.id, at: r.at, officerId: r.officer_id, visitId: r.visit_id, note: this.noteOf(r.id, r.note) }));
  }

  /** Replace the notes of the entries naming a visit; returns how many changed. */
  eraseIncidentNotes(visitId: string, text: string): number {
    return this.prep('UPDATE incidents SET note = ? WHERE visit_id = ? AND note IS NOT ?').run(text, visitId, text).changes;
  }

  /** Incident-book entries, newest first. */
  incidents(limit = 100): Incident[] {
    return this.prep<[number], { id: number; at: number; officer_id: string; visit_id: string | null; note: string }>(
      'SELECT * FROM incidents ORDER BY id DESC LIMIT ?',
    ).all(limit).map((r) => ({ id: r.id, at: r.at, officerId: r.officer_id, visitId: r.visit_id, note: this.noteOf(r.id, r.note) }));
  }

  /** An incident note, opened when sealed. */
  private noteOf(id: number, note: string): string {
    if (!note.startsWith('pe1:')) return note;
    if (!this.sealer) throw new Error('sealed incident note without a data key');
    return this.sealer.cipher.open(note, incidentAad(id));
  }

  // --- door status ---

  /** The door's status row (defaults when the daemon has never written it). Read-only: safe on every tap. */
  doorStatus(): DoorStatusRow {
    const r = this.prep<[string], { mode: 'enabled' | 'disabled'; locked: number; open: number | null; open_since: number | null; daemon_pid: number | null; heartbeat_at: number | null; started_at: number | null }>(
      'SELECT * FROM door_status WHERE door = ?',
    ).get(this.door);
    if (!r) return { mode: 'enabled', locked: true, open: null, openSince: null, daemonPid: null, heartbeatAt: null, startedAt: null };
    return {
      mode: r.mode, locked: r.locked === 1, open: r.open === null ? null : r.open === 1, openSince: r.open_since,
      daemonPid: r.daemon_pid, heartbeatAt: r.heartbeat_at, startedAt: r.started_at,
    };
  }

  /** Update parts of the door's status row. */
  updateDoorStatus(patch: Partial<DoorStatusRow>): void {
    this.prep('INSERT OR IGNORE INTO door_status (door) VALUES (?)').run(this.door);
    const cols: Record<keyof DoorStatusRow, string> = {
      mode: 'mode', locked: 'locked', open: 'open', openSince: 'open_since', daemonPid: 'daemon_pid', heartbeatAt: 'heartbeat_at', startedAt: 'started_at',
    };
    const sets: string[] = [];
    const args: (string | number | null)[] = [];
    for (const [k, v] of Object.entries(patch) as [keyof DoorStatusRow, unknown][]) {
      sets.push(`${cols[k]} = ?`);
      args.push(typeof v === 'boolean' ? (v ? 1 : 0) : (v as string | number | null));
    }
    if (sets.length) this.prep(`UPDATE door_status SET ${sets.join(', ')} WHERE door = ?`).run(...args, this.door);
  }

  /** A value from the meta table. */
  meta(key: string): string | null {
    return this.prep<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key)?.value ?? null;
  }

  /** Set a value in the meta table. */
  setMeta(key: string, value: string): void {
    this.prep('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }
  // --- central link, checks, retention, backup, close ---

  /** The central link row, read without creating anything: `recorded` false on a database without link state. */
  linkStatus(): { recorded: boolean; row: LinkSnapshot | null } {
    return linkStatus(this.db, this.door);
  }

  /** The seq the centre acknowledged (retention may have deleted events up to it), 0 without a link row. */
  ackedSeq(): number {
    return ackedSeq(this.db, this.door);
  }

  /** Check the database on this connection (the CLI). Never throws. */
  checkDatabase(o: DbCheckOptions): DbCheckResult {
    return checkDb(this.db, o);
  }

  /** Check the database file from a worker thread with its own read-only connection (the daemon's event loop runs on). */
  checkDatabaseInWorker(o: DbCheckOptions): Promise<DbCheckResult> {
    return checkDatabaseInWorker(this.db.name, o);
  }

  /** Ids of visits closed before `cutoff`, not yet purged, KTP not held, oldest first (the purge's rule in SQL, on states and times only). */
  visitIdsClosedBefore(cutoff: number): string[] {
    return visitIdsClosedBefore(this.prepFn, cutoff);
  }

  /** One page of the purge's walk through the not-yet-purged closed visits (`closedVisitPage` of retention.ts). */
  closedVisitPage(cutoff: number, after: string | null, limit: number): DueVisitPage {
    return closedVisitPage(this.prepFn, cutoff, after, limit);
  }
  private readonly prepFn = <P extends unknown[], R>(sql: string): Statement<P, R> => this.prep<P, R>(sql);

  /** Ids of the requests that have not reached the door, oldest first. */
  pendingVisitIds(): string[] {
    return this.prep<[], { id: string }>("SELECT id FROM visits WHERE state IN ('requested', 'checked', 'approved') ORDER BY requested_at, id").pluck().all() as unknown as string[];
  }

  /** Ids of the visits with this NIK hash, oldest first. */
  visitIdsByNikHash(hash: string): string[] {
    return this.prep<[string], { id: string }>('SELECT id FROM visits INDEXED BY visits_nik WHERE nik_hash = ? ORDER BY requested_at, id').pluck().all(hash) as unknown as string[];
  }

  /** Ids of unpurged visits without a NIK hash, up to `limit`. */
  visitIdsWithoutNikHash(limit: number): string[] {
    return this.prep<[number], { id: string }>('SELECT id FROM visits WHERE nik_hash IS NULL AND purged_at IS NULL ORDER BY requested_at, id LIMIT ?').pluck().all(limit) as unknown as string[];
  }

  /** The newest `limit` events of one type of this door, oldest first. */
  eventsOfType(type: string, limit: number): StoredEvent[] {
    return this.prep<[string, string, number], Row>('SELECT * FROM (SELECT * FROM events WHERE door = ? AND type = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq')
      .all(this.door, type, limit).map(fromRow);
  }

  /** Re-seal every value with the data key's current key (key rotation; resumable); how many values were re-sealed. */
  resealAll(onBatch?: (n: number) => void): number {
    if (!this.sealer) throw new Error('no data key');
    return resealAll(this.db, this.sealer, onBatch);
  }

  /** How many sealed values each data key id holds. */
  keyUsage(): Record<string, number> {
    return keyUsage(this.db);
  }

  /** secure_delete on this connection: freed bytes are overwritten, old values do not linger in free pages. */
  secureDelete(): void {
    this.db.pragma('secure_delete = ON');
  }

  /** Checkpoint the WAL into the main file now and truncate it. */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** Online backup of this database to `file`, paced and verified in a worker thread (`backupTo`). */
  backupTo(file: string): Promise<BackupResult> {
    return backupTo(this.db, file);
  }

  /** Nightly backup files in `dir`, newest first. */
  nightlyBackups(dir: string): string[] {
    return nightlyBackups(dir);
  }

  /** Delete all but the newest `keep` nightly backups of `dir`. */
  rotateBackups(dir: string, keep: number): Promise<string[]> {
    return rotate(dir, keep);
  }

  /** Close the connection. */
  close(): void {
    this.db.close();
  }
}

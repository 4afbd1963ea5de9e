/**
 * Repositories over the SQLite database: officers, visitor badges, visits, incidents, door status.
 * Write methods are meant to be called inside `Store.tx`, together with `events.append`, so that a state change
 * and its event commit atomically.
 */
import type { Statement } from 'better-sqlite3';
import { closeSync, fdatasyncSync, openSync } from 'node:fs';
import type { Db } from './db.js';
import { EventLog, type LogClock } from './event-log.js';
import { WalSync } from './wal-sync.js';
import type { BadgeStatus, Officer, Presence, Role, Visit, VisitState, VisitorBadge } from '../../domain/types.js';

interface OfficerRow { id: string; name: string; role: Role; badge_uid: string; active: number; presence: Presence; entered_at: number | null }
interface BadgeRow { uid: string; label: string; status: BadgeStatus; visit_id: string | null }

const officerFrom = (r: OfficerRow): Officer => ({ id: r.id, name: r.name, role: r.role, badgeUid: r.badge_uid, active: r.active === 1, presence: r.presence, enteredAt: r.entered_at ?? null });
const badgeFrom = (r: BadgeRow): VisitorBadge => ({ uid: r.uid, label: r.label, status: r.status, visitId: r.visit_id });

/** The door's persisted status, written by the daemon and read by `pintu status`. */
export interface DoorStatusRow {
  /** enabled or disabled (administratively). */
  mode: 'enabled' | 'disabled';
  /** Strike relay off. */
  locked: boolean;
  /** Door position switch says open (null: unknown). */
  open: boolean | null;
  /** Since when the door is open (ms). */
  openSince: number | null;
  /** PID of the running daemon. */
  daemonPid: number | null;
  /** Last heartbeat of the daemon (ms). */
  heartbeatAt: number | null;
  /** When the daemon started (ms). */
  startedAt: number | null;
}

/** An incident-book entry (SOP 004). */
export interface Incident {
  /** Entry number. */
  id: number;
  /** When it was written (ms). */
  at: number;
  /** Officer who wrote it. */
  officerId: string;
  /** Visit concerned, if any. */
  visitId: string | null;
  /** What happened. */
  note: string;
}

/** fdatasync the WAL file at `path` now (nothing to do when there is none). */
function syncWalFile(path: string): void {
  let fd: number;
  try { fd = openSync(path, 'r'); } catch (err) { if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; throw err; }
  try { fdatasyncSync(fd); } finally { closeSync(fd); }
}

/** The clock guard of a store (the app's `ClockGuard`): stamps each append, and reads the store it guards. */
export interface StoreClock extends LogClock {
  /** Called once, by the store this clock guards, at the end of its constructor. */
  attach(store: Store): void;
}

/**
 * All repositories of one door's database, with the clock guard that stamps its events (`clock`, typed by what the
 * constructor was given: the root's stores are `Store<ClockGuard>`, so a part that needs the guard cannot be handed a
 * store built without one).
 */
export class Store<C extends StoreClock | null = StoreClock | null> {
  /** The door's event log. */
  readonly events: EventLog;
  /** The clock guard that stamps every event of this store (null: none, said explicitly by whoever built the store). */
  readonly clock: C;
  private readonly stmts;

  /** Wrap an open, migrated database for the given door, guarded by `clock` (attached here, once the store is ready). */
  constructor(readonly db: Db, readonly door: string, clock: C) {
    this.clock = clock;
    this.events = new EventLog(db, door, clock);
    this.stmts = {
      officerById: db.prepare<[string], OfficerRow>('SELECT * FROM officers WHERE id = ?'),
      officerByBadge: db.prepare<[string], OfficerRow>('SELECT * FROM officers WHERE badge_uid = ?'),
      badgeByUid: db.prepare<[string], BadgeRow>('SELECT uid, label, status, visit_id FROM badges WHERE uid = ?'),
      badgeByLabel: db.prepare<[string], BadgeRow>('SELECT uid, label, status, visit_id FROM badges WHERE label = ?'),
      visitById: db.prepare<[string], { data: string }>('SELECT data FROM visits WHERE id = ?'),
      saveVisit: db.prepare(
        `INSERT INTO visits (id, kind, state, presence, badge_uid, ktp_hash, requested_at, data) VALUES (@id, @kind, @state, @presence, @badge_uid, @ktp_hash, @requested_at, @data)
         ON CONFLICT(id) DO UPDATE SET state = excluded.state, presence = excluded.presence, badge_uid = excluded.badge_uid, ktp_hash = excluded.ktp_hash, data = excluded.data`,
      ),
      setBadge: db.prepare('UPDATE badges SET status = ?, visit_id = ? WHERE uid = ?'),
      setOfficerPresence: db.prepare('UPDATE officers SET presence = ? WHERE id = ?'),
      setOfficerEntered: db.prepare("UPDATE officers SET presence = 'inside', entered_at = ? WHERE id = ?"),
      officersInside: db.prepare<[], OfficerRow>("SELECT * FROM officers INDEXED BY officers_inside WHERE presence = 'inside'"),
      visitsInside: db.prepare<[], { data: string }>("SELECT data FROM visits INDEXED BY visits_inside WHERE presence = 'inside'"),
      // Filtered in SQLite: the 5-second check parses only the visits it will mark, not everyone inside.
      overstaying: db.prepare<[number], { data: string }>(
        "SELECT data FROM visits INDEXED BY visits_inside WHERE presence = 'inside' AND state = 'issued' AND json_extract(data, '$.validUntil') <= ? AND json_extract(data, '$.overstayAt') IS NULL",
      ),
    };
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

  /**
   * Run `fn` with this connection's busy timeout at zero: a transaction that cannot take the write lock at once
   * throws SQLITE_BUSY (see `isBusy`) instead of blocking the event loop; the daemon's write queue retries it.
   */
  noWait<T>(fn: () => T): T {
    if (this.noWaitDepth++ === 0 && !this.ownRetry) {
      this.busyTimeoutMs = this.db.pragma('busy_timeout', { simple: true }) as number;
      this.db.pragma('busy_timeout = 0');
    }
    try {
      return fn();
    } finally {
      if (--this.noWaitDepth === 0 && !this.ownRetry) this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    }
  }
  private noWaitDepth = 0;
  private busyTimeoutMs = 5000;

  /**
   * The daemon's connection never sleeps in SQLite's busy handler (it sleeps 1, 2, 5, 10… ms, far past the moment the
   * lock is free): busy_timeout is 0 for good. Writes through the write queue (`noWait`) are retried by the queue
   * without blocking the event loop; the few writes outside it (scheduler, central link, commands) are retried by
   * `retry` every 0.1 ms for as long as the connection's busy timeout was.
   */
  retryOwnBusy(): void {
    if (this.ownRetry) return;
    this.busyTimeoutMs = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 0');
    this.ownRetry = true;
  }
  private ownRetry = false;
  /** Times a write found the lock taken and was tried again by `retry` (tests and benches read it). */
  busyRetries = 0;

  /**
   * Run `fn` (a transaction or one writing statement: all or nothing), trying again while another connection holds the
   * write lock. Without `retryOwnBusy`, or inside `noWait`, it runs once (SQLite's own busy timeout applies, or none).
   */
  retry<T>(fn: () => T): T {
    if (!this.ownRetry || this.noWaitDepth > 0) return fn();
    const deadline = performance.now() + this.busyTimeoutMs;
    for (;;) {
      try {
        return fn();
      } catch (err) {
        if (!this.isBusy(err) || performance.now() >= deadline) throw err;
        this.busyRetries += 1;
        Atomics.wait(this.pause, 0, 0, 0.1);
      }
    }
  }
  private readonly pause = new Int32Array(new SharedArrayBuffer(4));

  /** Whether an error only means that another connection holds the lock (try again later; nothing was changed). */
  isBusy(err: unknown): boolean {
    const code = (err as { code?: unknown } | null)?.code;
    return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
  }

  /** Run `fn` in an IMMEDIATE write transaction (takes the write lock up front, so concurrent writers queue). */
  tx<T>(fn: () => T): T {
    const r = this.retry(() => this.db.transaction(fn).immediate());
    if (!this.db.inTransaction) {
      if (this.wal) this.wal.committed();
      else if (this.afterCommit) { syncWalFile(`${this.db.name}-wal`); this.afterCommitSyncs += 1; }
    }
    return r;
  }

  /**
   * Commit, then sync (the CLI with `storage.synchronous: full`): commits at NORMAL and fsyncs the WAL right after the
   * commit, before `tx` returns — as durable as a FULL commit when the command reports success, but the write lock (which
   * the daemon's taps wait for) is not held through the fsync.
   */
  syncAfterCommit(): void {
    this.db.pragma('synchronous = NORMAL');
    this.afterCommit = true;
  }
  private afterCommit = false;
  private afterCommitSyncs = 0;

  /**
   * Deferred sync (the daemon with `storage.synchronous: full`): the connection commits at NORMAL — crash-safe, no
   * fsync on the tap's path nor inside the write lock — and every commit is followed by an fdatasync of the WAL on the
   * thread pool (`WalSync`), which makes it and every earlier commit power-safe a few milliseconds later.
   */
  deferSync(onError: (err: Error) => void = () => undefined): void {
    this.db.pragma('synchronous = NORMAL');
    this.afterCommit = false;
    this.wal ??= new WalSync(`${this.db.name}-wal`, onError);
  }
  private wal: WalSync | null = null;

  /** A transaction whose commit (and everything committed before it) survives power loss (with deferred sync: once `whenDurable` calls back). */
  durableTx<T>(fn: () => T): T {
    return this.tx(fn);
  }

  /** Make everything committed so far durable (an fdatasync of the WAL on the thread pool); a no-op unless sync is deferred. */
  syncNow(): void {
    this.wal?.request();
  }

  /** Call `fn` once everything committed so far is durable (at once unless sync is deferred and an fsync is pending). */
  whenDurable(fn: () => void): void {
    if (this.wal) this.wal.whenSynced(fn);
    else fn();
  }

  /**
   * Like `whenDurable`, and also for what other connections (the CLI) committed: when the database changed through
   * another connection since the last call, an fdatasync is requested first. (The CLI fsyncs its commits itself, but
   * after it commits: an event it wrote can be read here a moment before that.)
   */
  whenDurableAll(fn: () => void): void {
    if (this.wal) {
      const v = this.db.pragma('data_version', { simple: true }) as number;
      if (v !== this.dataVersion) {
        this.dataVersion = v;
        this.wal.request();
      }
    }
    this.whenDurable(fn);
  }
  private dataVersion = -1;

  /** fdatasyncs of the WAL done by this store, deferred or after commit (tests and benches read it). */
  get walSyncs(): number {
    return (this.wal?.completed ?? 0) + this.afterCommitSyncs;
  }

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
    return this.stmts.visitsInside.all().map((r) => JSON.parse(r.data) as Visit);
  }

  /** Issued visits whose visitor is inside after `now` passed their approval's end, not yet marked overstaying. */
  overstaying(now: number): Visit[] {
    return this.stmts.overstaying.all(now).map((r) => JSON.parse(r.data) as Visit);
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

  // --- visits ---

  /** Visit by id. */
  visit(id: string): Visit | null {
    const r = this.stmts.visitById.get(id);
    return r ? (JSON.parse(r.data) as Visit) : null;
  }

  /** Insert or update a visit. */
  saveVisit(v: Visit): void {
    this.stmts.saveVisit.run({
      id: v.id, kind: v.kind, state: v.state, presence: v.presence, badge_uid: v.badgeUid, ktp_hash: v.ktpHash,
      requested_at: v.at.requested ?? 0, data: JSON.stringify(v),
    });
  }

  /** Visits, newest first, optionally filtered by state or presence. */
  visits(filter: { state?: VisitState; presence?: Presence; limit?: number } = {}): Visit[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.state) { where.push('state = ?'); args.push(filter.state); }
    if (filter.presence) { where.push('presence = ?'); args.push(filter.presence); }
    args.push(filter.limit ?? 1000);
    const sql = `SELECT data FROM visits ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY requested_at DESC, id DESC LIMIT ?`;
    return this.prep<(string | number)[], { data: string }>(sql).all(...args).map((r) => JSON.parse(r.data) as Visit);
  }

  /** The visit whose KTP (by keyed hash) is held at the desk now, if any. */
  visitByKtpHash(hash: string): Visit | null {
    const r = this.prep<[string], { data: string }>("SELECT data FROM visits WHERE ktp_hash = ? AND json_extract(data, '$.ktpHeld') = 1 ORDER BY requested_at DESC LIMIT 1").get(hash);
    return r ? (JSON.parse(r.data) as Visit) : null;
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

  // --- incidents ---

  /** Write an incident-book entry. */
  addIncident(i: Omit<Incident, 'id'>): Incident {
    const r = this.prep('INSERT INTO incidents (at, officer_id, visit_id, note) VALUES (?, ?, ?, ?)').run(i.at, i.officerId, i.visitId, i.note);
    return { ...i, id: Number(r.lastInsertRowid) };
  }

  /** Incident-book entries, newest first. */
  incidents(limit = 100): Incident[] {
    return this.prep<[number], { id: number; at: number; officer_id: string; visit_id: string | null; note: string }>(
      'SELECT * FROM incidents ORDER BY id DESC LIMIT ?',
    ).all(limit).map((r) => ({ id: r.id, at: r.at, officerId: r.officer_id, visitId: r.visit_id, note: r.note }));
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
}

/**
 * The door's storage, as the app sees it: small repositories (officers, badges, visits, incidents, door status, meta,
 * the event log, the central link's ack, health queries, retention, backup) and the transactions that group their
 * writes. `src/adapters/sqlite/store.ts` implements all of them over one SQLite connection; app code names only the
 * repositories it uses, never SQL or better-sqlite3.
 */
import type { BadgeStatus, DomainEvent, Officer, Presence, Role, Visit, VisitState, VisitorBadge } from '../domain/types.js';
import type { StoredEvent } from '../domain/events.js';
import type { SecureBadge } from '../domain/badge-proof.js';

/** A stored event (typed by the event catalogue: `e.type` narrows `e.data`). */
export type { StoredEvent } from '../domain/events.js';

/** The newest stored event of the door, as the clock hook sees it. */
export interface NewestEvent {
  /** Its seq. */
  seq: number;
  /** Its hash. */
  hash: string;
  /** Its time (ms). */
  at: number;
  /** The raw clock reading it carries (`clockRaw`, ms) when its time was raised, else null. */
  raw: number | null;
}

/** What the clock hook makes of one append. */
export interface ClockStamp {
  /** The time to write (the log raises it further if it is before the newest event). */
  at: number;
  /** Fields added to the data of every event of the batch (e.g. `clockSynced: false`, `clockRaw`). */
  marks: Record<string, unknown>;
  /** Events to append before the batch (e.g. `alarm.clock_rollback`). */
  before: DomainEvent[];
}

/** Hook run once per append inside its transaction (the clock guard, `ClockGuard`): decides the time written and marks. */
export interface LogClock {
  /** Stamp a batch appended at `at` (the caller's clock) after `newest` (null: empty log). */
  stamp(at: number, newest: NewestEvent | null): ClockStamp;
}

/** The append-only, hash-chained event log of one door. */
export interface EventLogPort {
  /** Door id. */
  readonly door: string;
  /** The clock hook applied to each append (the door's `ClockGuard`), fixed when the log is built; null: none. */
  readonly clock: LogClock | null;
  /** Append events inside the caller's write transaction; returns them as stored (with any the clock hook put first). */
  append(events: readonly DomainEvent[], at: number): StoredEvent[];
  /** Events with seq greater than `since`, oldest first. */
  since(since: number, limit?: number): StoredEvent[];
  /** The highest seq, or 0. */
  lastSeq(): number;
  /** The newest stored event, or null for an empty log. */
  newest(): NewestEvent | null;
  /** Verify seq continuity and the hash chain from `since` (events up to `prunedUpTo` may be pruned); the first problem, or null. */
  verify(since?: number, prunedUpTo?: number): string | null;
  /** How many events of `type` this door logged at or after `fromIso` (an ISO time). */
  countSince(type: string, fromIso: string): number;
}

/** The write lock as the daemon's write queue uses it. */
export interface WriteLock {
  /** Run `fn` with transactions that fail at once (instead of waiting) when another connection holds the write lock. */
  noWait<T>(fn: () => T): T;
  /** Whether an error means only "another connection holds the lock: try again". */
  isBusy(err: unknown): boolean;
}

/** Transactions and durability of the store. */
export interface Transactions extends WriteLock {
  /** Run `fn` in a write transaction: every write inside commits together, or none does. */
  tx<T>(fn: () => T): T;
  /** A transaction whose commit (and everything committed before it) survives power loss (with deferred sync: once `whenDurable` calls back). */
  durableTx<T>(fn: () => T): T;
  /** Run `fn` (a transaction or one write), trying again while another connection holds the write lock. */
  retry<T>(fn: () => T): T;
  /** Make everything committed so far durable (a no-op unless sync is deferred). */
  syncNow(): void;
  /** Call `fn` once everything committed so far is durable. */
  whenDurable(fn: () => void): void;
}

/** Officers (SOP roles, badge, presence). */
export interface OfficerRepository {
  /** Officer by id. */
  officer(id: string): Officer | null;
  /** Officer by badge UID. */
  officerByBadge(uid: string): Officer | null;
  /** All officers. */
  officers(): Officer[];
  /** Insert an officer with the next id (`O1`, `O2`, …). */
  addOfficer(o: Omit<Officer, 'id' | 'active' | 'presence' | 'enteredAt'>, now: number): Officer;
  /** Activate or deactivate an officer. */
  setOfficerActive(id: string, active: boolean): void;
  /** Change an officer's role. */
  setOfficerRole(id: string, role: Role): void;
  /** Give an officer another badge (a new secure badge enrolled for them by a head, issue 15). */
  setOfficerBadge(id: string, badgeUid: string): void;
  /** Record an officer's presence; an entry also records when it was granted. */
  setOfficerPresence(id: string, presence: Presence, at?: number): void;
  /** Officers inside the room. */
  officersInside(): Officer[];
}

/** An officer's console PIN (only as its scrypt hash) and wrong-PIN counter. */
export interface PinRecord {
  /** The PIN's salted hash (`scrypt$N$r$p$salt$hash`), or null when no PIN was ever set. */
  hash: string | null;
  /** When the PIN was set (ms), or null. */
  setAt: number | null;
  /** Wrong PINs in a row since the last right one or the last lock. */
  failures: number;
  /** The officer cannot sign in until this time (ms), or null. */
  lockedUntil: number | null;
}

/** Officers' console PINs and wrong-PIN counters (kept across restarts). */
export interface PinRepository {
  /** An officer's PIN record, or null when there is none. */
  pinRecord(officerId: string): PinRecord | null;
  /** Store a new PIN hash; the wrong-PIN counter and any lock are cleared. */
  setPinHash(officerId: string, hash: string, at: number): void;
  /** Store the wrong-PIN counter and lock. */
  setPinAttempts(officerId: string, failures: number, lockedUntil: number | null): void;
}

/** The visitor badges of the pool. */
export interface BadgeRepository {
  /** Badge by UID. */
  badge(uid: string): VisitorBadge | null;
  /** Badge by printed label. */
  badgeByLabel(label: string): VisitorBadge | null;
  /** All badges. */
  badges(): VisitorBadge[];
  /** Add a badge to the pool. */
  addBadge(uid: string, label: string, now: number): VisitorBadge;
  /** Set a badge's pool status and the visit it belongs to. */
  setBadge(uid: string, status: BadgeStatus, visitId: string | null): void;
}

/** The cards enrolled as secure badges (issue 15): the key version each holds; never a key. */
export interface SecureBadgeRepository {
  /** The enrolment of a card UID, or null (a plain badge, or no badge at all). */
  secureBadge(uid: string): SecureBadge | null;
  /** Record an enrolment (or a re-enrolment with a new key version) by `by` (officer id, or "cli"). */
  saveSecureBadge(b: SecureBadge, by: string): void;
  /** Forget an enrolment (the card was reset or written off); true if there was one. */
  removeSecureBadge(uid: string): boolean;
  /** Every enrolled card, by UID. */
  secureBadges(): SecureBadge[];
}

/** Visits. */
export interface VisitRepository {
  /** Visit by id. */
  visit(id: string): Visit | null;
  /** Insert or update a visit. */
  saveVisit(v: Visit): void;
  /** Visits, newest first, optionally filtered by state or presence. */
  visits(filter?: { state?: VisitState; presence?: Presence; limit?: number }): Visit[];
  /** The visit whose KTP (by keyed hash) is held at the desk now, if any. */
  visitByKtpHash(hash: string): Visit | null;
  /** Next visit id for the given local date (YYYYMMDD): `V-20261123-001`. */
  nextVisitId(yyyymmdd: string): string;
  /** Visits whose visitor is inside now. */
  visitsInside(): Visit[];
  /** Issued visits whose visitor is inside after `now` passed their approval's end, not yet marked overstaying. */
  overstaying(now: number): Visit[];
}

/** How the visit list is searched in the store (the app checks and normalises it first). */
export interface VisitSearch {
  /** Words the visitor's name must have, each as a word or a word's start (any case, accents ignored; the blind name index). */
  name?: string;
  /** Part of the institution (ASCII letters case-insensitive). */
  org?: string;
  /** Visits requested on this local date (YYYYMMDD, as in their ids). */
  yyyymmdd?: string;
  /** Visits in this state. */
  state?: VisitState;
  /** Only visits whose id sorts before this one (the next page). */
  before?: string;
  /** Page size. */
  limit: number;
}

/** What the officers' console reads beyond the other repositories: the visit list, a visit's timeline, alarms. */
export interface ConsoleReadRepository {
  /** A page of visits matching every given filter, by id, newest first. */
  searchVisits(q: VisitSearch): Visit[];
  /** Ids of the visits named by events of these types written between `fromIso` (inclusive) and `toIso` (exclusive). */
  visitIdsWithEvents(types: readonly string[], fromIso: string, toIso: string): string[];
  /** The events naming a visit (`data.visit`), oldest first. */
  eventsOfVisit(id: string, limit: number): StoredEvent[];
  /** The newest events of this door, newest first. */
  recentEvents(limit: number): StoredEvent[];
  /** One event of this door by seq, or null. */
  eventAt(seq: number): StoredEvent | null;
  /** Alarms of this door not yet acknowledged, newest first. */
  openAlarms(limit: number): StoredEvent[];
  /** Seqs of the open alarms of this type naming a visit. */
  openAlarmsOfVisit(visit: string, type: string): number[];
  /** Whether the alarm event at `seq` is open (not acknowledged). */
  alarmOpen(seq: number): boolean;
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

/** The incident book. */
export interface IncidentRepository {
  /** Write an incident-book entry. */
  addIncident(i: Omit<Incident, 'id'>): Incident;
  /** Incident-book entries, newest first. */
  incidents(limit?: number): Incident[];
  /** The entries naming a visit, oldest first (a data-subject export). */
  incidentsOfVisit(visitId: string): Incident[];
  /** Replace the notes of every entry naming a visit with `text` (retention, a subject's erasure); returns how many changed. */
  eraseIncidentNotes(visitId: string, text: string): number;
}

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

/** The door's status row. */
export interface DoorStatusRepository {
  /** Door id. */
  readonly door: string;
  /** The door's status row (defaults when the daemon has never written it). */
  doorStatus(): DoorStatusRow;
  /** Update parts of the door's status row. */
  updateDoorStatus(patch: Partial<DoorStatusRow>): void;
}

/** Small named values (health snapshots, the clock's jump latch). */
export interface MetaRepository {
  /** A value, or null. */
  meta(key: string): string | null;
  /** Set a value. */
  setMeta(key: string, value: string): void;
}

/** A snapshot of the door's central link row. */
export interface LinkSnapshot {
  /** Highest seq the centre has committed. */
  ackedSeq: number;
  /** When the last ack arrived (ms), or null. */
  ackedAt: number | null;
  /** The daemon's MQTT connection is up. */
  connected: boolean;
  /** When `connected` last changed (ms), or null. */
  changedAt: number | null;
  /** Highest command counter accepted. */
  commandCounter: number;
}

/** What the door knows of its link to the centre (read only; the link adapter writes it). */
export interface LinkStatusRepository {
  /** The link row: `recorded` false when this database keeps no link state at all, `row` null when it was never written. */
  linkStatus(): { recorded: boolean; row: LinkSnapshot | null };
  /** The seq the centre acknowledged (retention may have deleted events up to it), 0 without a link row. */
  ackedSeq(): number;
}

/** What to check in a database check. */
export interface DbCheckOptions {
  /** SQLite's check: the thorough `integrity_check`, the faster `quick_check`, or none. */
  pragma: 'integrity_check' | 'quick_check' | null;
  /** Hash chain: every event, the last `tail` events of each door, or none. */
  chain: 'all' | { tail: number } | null;
}

/** The chain check of one door. */
export interface ChainCheck {
  /** Door id. */
  door: string;
  /** Its highest seq. */
  lastSeq: number;
  /** Verified from the event after this seq (0 = from the first). */
  from: number;
  /** The first problem found, or null when the chain verifies. */
  problem: string | null;
}

/** Outcome of a database check. */
export interface DbCheckResult {
  /** The pragma's rows (`['ok']` when sound), or null when not run. */
  integrity: string[] | null;
  /** One entry per door in the events table (empty when not run). */
  chains: ChainCheck[];
  /** The database could not be opened or read (then nothing else was checked). */
  error: string | null;
}

/** Checks of the whole database (the storage's own check and every door's hash chain). */
export interface DatabaseCheckRepository {
  /** Check on this connection (blocks the caller for as long as it reads: the CLI). Never throws. */
  checkDatabase(o: DbCheckOptions): DbCheckResult;
  /** Check from a worker thread with its own connection, so the caller's event loop keeps running (the daemon). */
  checkDatabaseInWorker(o: DbCheckOptions): Promise<DbCheckResult>;
}

/** One page of the purge's walk through the closed visits. */
export interface DueVisitPage {
  /** Ids of the visits on this page that are due (closed before the cutoff, not purged, KTP not held). */
  due: string[];
  /** Cursor of the next page, or null: the walk is over. */
  next: string | null;
}

/** Personal-data retention: finding what is due and erasing it for good. */
export interface RetentionRepository {
  /**
   * Ids of visits closed (checked out, archived, denied, cancelled, expired, revoked with no badge out) before `cutoff`
   * (ms), not yet purged (the clear `purged_at` column) and whose KTP is not held at the desk, oldest first: picked by the
   * storage from states and times only (never a personal field), so memory stays bounded however many visits there are.
   */
  visitIdsClosedBefore(cutoff: number): string[];
  /**
   * One page of a walk through the not-yet-purged closed visits, in storage order: at most `limit` visits looked at from
   * `after` (a cursor a previous page returned; null: from the start), the ids of those due (the rule of
   * `visitIdsClosedBefore`), and where the next page starts. The daemon's batched purge reads one page at a time.
   */
  closedVisitPage(cutoff: number, after: string | null, limit: number): DueVisitPage;
  /** Ids of the requests that have not reached the door (requested, checked, approved), oldest first. */
  pendingVisitIds(): string[];
  /** Ids of the visits whose NIK hash (`nikHash` of src/app/secret.ts) is `hash`, oldest first. */
  visitIdsByNikHash(hash: string): string[];
  /** Ids of visits with a NIK but no NIK hash yet (written before the hash existed), up to `limit`. */
  visitIdsWithoutNikHash(limit: number): string[];
  /** The events of one type, oldest first, up to `limit` from the newest (the destruction records, subject erasures). */
  eventsOfType(type: string, limit: number): StoredEvent[];
  /** From now on, overwrite freed bytes on this connection (old values do not linger in free pages). */
  secureDelete(): void;
  /** Move the write-ahead log into the main file now (overwritten pages leave the log). */
  checkpoint(): void;
}

/** A finished backup. */
export interface BackupResult {
  /** Backup file. */
  file: string;
  /** Its size in bytes. */
  bytes: number;
  /** How long it took (ms). */
  ms: number;
}

/** Backups of the open database and the nightly backup files (`pintu-YYYYMMDD-HHMMSS.db`) of a directory. */
export interface BackupRepository {
  /** A consistent, verified copy of the database at `file` (made without holding up the caller's event loop). */
  backupTo(file: string): Promise<BackupResult>;
  /** Nightly backup files in `dir`, newest first (empty when there is no such directory). */
  nightlyBackups(dir: string): string[];
  /** Delete all but the newest `keep` nightly backups of `dir`; returns the deleted files. */
  rotateBackups(dir: string, keep: number): Promise<string[]>;
}

/** What a clock guard reads and writes in the store it guards. */
export type GuardedStore = { readonly events: EventLogPort } & DoorStatusRepository & MetaRepository & Pick<Transactions, 'tx'>;

/** The clock guard of a store (the app's `ClockGuard`): stamps each append, and reads the store it guards. */
export interface StoreClock extends LogClock {
  /** Called once, by the store this clock guards, at the end of its constructor. */
  attach(store: GuardedStore): void;
}

/** One watchlist row (issue 14): the NIK only as its keyed hash and its masked form. */
export interface WatchlistRow {
  /** Entry number. */
  id: number;
  /** Keyed hash of the NIK (`nikHash`). */
  nikHash: string;
  /** The NIK masked (`maskNik`). */
  nikMasked: string;
  /** Why. */
  reason: string;
  /** Until when it holds (ms). */
  until: number;
  /** Who added it. */
  addedBy: string;
  /** local (a head here) or central (the centre's command). */
  source: 'local' | 'central';
  /** When it was added (ms). */
  addedAt: number;
}

/** The door's watchlist table, and the visits a KTP hash names (for a KTP tap at the desk). */
export interface WatchlistRepository {
  /** Add an entry; returns it. */
  insert(row: Omit<WatchlistRow, 'id'>): WatchlistRow;
  /** Entries, newest first; only those in force at `now` unless `now` is null. */
  list(now: number | null): WatchlistRow[];
  /** One entry, or null. */
  entry(id: number): WatchlistRow | null;
  /** Delete one entry; true if it existed. */
  remove(id: number): boolean;
  /** Delete every entry of a source; how many. */
  removeSource(source: 'local' | 'central'): number;
  /** The entry in force at `now` for a NIK hash (the one that holds longest), or null. */
  match(nikHash: string, now: number): WatchlistRow | null;
  /** Ids of the visits whose KTP has this keyed hash, newest first (at most `limit`). */
  visitIdsByKtpHash(ktpHash: string, limit: number): string[];
  /** How many entries expired before `cutoff` (ms), or with `remove` delete them (retention); returns how many. */
  expiredBefore(cutoff: number, remove: boolean): number;
}

/**
 * Every repository of one door's database: what the composition root hands to the app. `C` is the clock guard the
 * store was built with (the roots' stores carry a `ClockGuard`, so a part that needs it cannot get a store without one).
 */
export interface StorePort<C extends StoreClock | null = StoreClock | null> extends Transactions, OfficerRepository, PinRepository, BadgeRepository,
  SecureBadgeRepository, VisitRepository, IncidentRepository, DoorStatusRepository, MetaRepository, LinkStatusRepository, DatabaseCheckRepository,
  RetentionRepository, BackupRepository, ConsoleReadRepository {
  /** The door's event log. */
  readonly events: EventLogPort;
  /** The watchlist (issue 14). */
  readonly watchlist: WatchlistRepository;
  /** The clock guard that stamps every event of this store (null: none). */
  readonly clock: C;
  /** Close the database (after the last write). */
  close(): void;
}

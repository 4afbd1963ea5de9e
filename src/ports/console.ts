/**
 * What the officers' console (`src/adapters/console/`, a web UI served by `pintu run`) may do and read: the contract
 * between the console adapter and the app. The composition root (`src/main.ts`) builds the app's services and hands
 * them to the console as these ports; every write runs on the daemon's write queue (`ConsolePorts.write`).
 * The actor of every command is the signed-in officer's id, taken from the session (never typed).
 */
import type { ChecklistItem, Device, Officer, Role, Visit, VisitState, VisitorBadge } from '../domain/types.js';
import type { StoredEvent } from '../domain/events.js';
import type { CardProof, SecureBadge } from '../domain/badge-proof.js';
import type { CardReader } from './hardware.js';
import type { DoorStatusRow, Incident } from './store.js';
import type { VisitCommands } from './visit-commands.js';
import type { WatchlistCommands } from './watchlist.js';

/** Why a visit that never came is closed. */
export type CancelReason = 'cancelled' | 'no_show';

/** Every officer command on visits, badges and the incident book (implemented by the app's `VisitService`). */
export interface DeskCommands extends VisitCommands {
  /** A coordinator checks a request for completeness (SOP step 2). */
  check(id: string, by: string): Visit;
  /** Issue a free badge (by UID or label) in exchange for the KTP (SOP step 4), once the visitor acknowledged the server-room rules. */
  issue(id: string, badge: string, by: string, ack: { rulesAcknowledged: boolean }): Visit;
  /** Record the exit: devices carried out; the badge comes back. With a device mismatch the KTP stays held. */
  checkout(id: string, by: string, devicesOut: Device[]): Visit;
  /** A head acknowledges a device mismatch (with a note): only then is the KTP returned. */
  acknowledgeMismatch(id: string, by: string, note: string): Visit;
  /** Report the visit (SOP step 6), with an optional note. */
  report(id: string, by: string, note?: string): Visit;
  /** Archive the visit (SOP step 7). */
  archive(id: string, by: string): Visit;
  /** Close a request that never came (cancelled or no-show), before any badge was issued. */
  cancel(id: string, by: string, reason: CancelReason, note?: string): Visit;
  /** The visit's badge was lost. */
  badgeLost(id: string, by: string): Visit;
  /** Add a special visitor badge (by its UID) with its printed label to the pool; `by` is the head adding it. */
  addBadge(uid: string, label: string, by: string): VisitorBadge;
  /** Retire a badge (by UID or label) from the pool: damaged or withdrawn; an issued badge is refused. */
  retireBadge(uidOrLabel: string, by: string): VisitorBadge;
  /** A head puts a found lost badge (by UID or label) back in the pool. */
  badgeFound(badge: string, by: string): VisitorBadge;
  /** Record a maintenance checklist (SOP 002). */
  checklist(id: string, by: string, items: ChecklistItem[]): Visit;
  /** Write an incident-book entry (SOP 004); returns its number. */
  incident(by: string, note: string, visitId?: string): number;
  /** A head reveals a visitor's full NIK for a reason (an event with the head and the reason, never the NIK); others are refused. */
  revealNik(id: string, by: string, reason: string): string;
  /** The open visit whose KTP (by chip UID) is held at the desk, if any. */
  visitByKtp(ktpUid: string): Visit | null;
}

/** Outcome of a PIN check at sign-in. */
export type PinCheck =
  | { ok: true; officer: Officer }
  /** Wrong PIN (or unknown officer): `left` tries before the lock. */
  | { ok: false; reason: 'wrong'; left: number }
  /** Locked after too many wrong PINs, until `until` (ms). */
  | { ok: false; reason: 'locked'; until: number }
  /** The officer has no PIN yet (`pintu officer pin ID`), or is deactivated. */
  | { ok: false; reason: 'no-pin' | 'inactive' };

/** Whether a PIN matched the stored hash it was checked against (`matchPin`), for `verifyPin`. */
export interface PinMatch {
  /** The stored hash checked (null: none, e.g. an unknown officer). */
  hash: string | null;
  /** It matched. */
  right: boolean;
}

/** Officers' sign-in and management (implemented by the app's `OfficerService`); every change is an event with the actor. */
export interface OfficerDesk {
  /** The slow part of a PIN check (scrypt on the thread pool, read only): pass its result to `verifyPin`. */
  matchPin(officerId: string, pin: string): Promise<PinMatch>;
  /** Check an officer's PIN (with `matchPin`'s result: no hashing here); 5 wrong in a row lock the badge and raise `alarm.pin_lockout`. */
  verifyPin(officerId: string, pin: string, match?: PinMatch): PinCheck;
  /** Record a sign-in or sign-out on the console (`officer.signed_in` / `officer.signed_out`). */
  signedIn(officerId: string, how: 'in' | 'out' | 'timeout'): void;
  /** A head registers an officer. */
  addOfficer(by: string, o: { name: string; role: Role; badge: string }): Officer;
  /** A head changes an officer's role (never leaves the site without an active head). */
  setRole(by: string, id: string, role: Role): Officer;
  /** A head activates or deactivates an officer. */
  setActive(by: string, id: string, active: boolean): Officer;
  /** A head sets (resets) an officer's PIN. */
  setPin(by: string, id: string, pin: string): void;
  /** An officer changes their own PIN (the current one is checked first). */
  changeOwnPin(id: string, current: string, next: string): void;
}

/** An alarm not yet acknowledged. */
export interface OpenAlarm {
  /** The alarm event. */
  event: StoredEvent;
}

/** Alarms at the door (implemented by the app). */
export interface AlarmDesk {
  /** Alarms not yet acknowledged, newest first. */
  open(limit?: number): OpenAlarm[];
  /** An officer acknowledges an alarm (`alarm.acknowledged` with the actor), with an optional note. */
  acknowledge(seq: number, by: string, note?: string): void;
  /**
   * A secure desk reader refused a tap as a suspected copy of enrolled badge `uid` (issue 15): raise
   * `alarm.desk_clone_suspected` (once per card in a few seconds). Returns whether an alarm was written.
   */
  deskCloneSuspected(reader: string, uid: string, proof: CardProof | undefined): boolean;
}

/** How the visit list is searched. */
export interface VisitQuery {
  /** Words of the visitor's name, each matching a word or a word's start ("budi san" finds Budi Santoso; any case, accents ignored). */
  name?: string;
  /** Part of the institution (case-insensitive). */
  org?: string;
  /** A local day (YYYY-MM-DD in the site's zone): visits requested that day. */
  day?: string;
  /** Visits in this state. */
  state?: VisitState;
  /** Page size (default 50). */
  limit?: number;
  /** Visits with an id before this one (the next page). */
  before?: string;
}

/** What the console reads (implemented over the store by the app). */
export interface ConsoleQueries {
  /** A visit by id, or null. */
  visit(id: string): Visit | null;
  /** A page of visits, newest first. */
  searchVisits(q: VisitQuery): Visit[];
  /** Visits requested on a local day, or inside / issued that day (the day's list for the head's signature). */
  visitsOfDay(day: string): Visit[];
  /** Requests waiting for a check or a head's decision (states requested, checked), oldest first. */
  pending(): Visit[];
  /** Visits whose visitor is inside now, with `escort` (the officer who escorted the last entry). */
  visitsInside(): Array<{ visit: Visit; escort: string | null; since: number | null }>;
  /** Officers inside now. */
  officersInside(): Officer[];
  /** All officers. */
  officers(): Officer[];
  /** An officer by id, or null. */
  officer(id: string): Officer | null;
  /** An active officer by their badge UID, or null. */
  officerByBadge(uid: string): Officer | null;
  /** The badge pool. */
  badges(): VisitorBadge[];
  /** A badge by UID, or null. */
  badge(uid: string): VisitorBadge | null;
  /** The card's enrolment as a secure badge (issue 15), or null: a card the desk must see prove its key before it counts. */
  secureBadge(uid: string): SecureBadge | null;
  /** The events of one visit, oldest first (its timeline). */
  eventsOfVisit(id: string): StoredEvent[];
  /** The newest events of the door, newest first. */
  recentEvents(limit: number): StoredEvent[];
  /** The incident book, newest first. */
  incidents(limit?: number): Incident[];
  /** The door's status row. */
  doorStatus(): DoorStatusRow;
}

/** The live door as the console shows it. */
export interface LiveDoor {
  /** Strike relay off. */
  locked: boolean;
  /** Door position switch says open (null: unknown). */
  open: boolean | null;
  /** Since when the door is open (ms). */
  openSince: number | null;
  /** Administratively enabled or disabled. */
  mode: 'enabled' | 'disabled';
  /** The fire-alarm input (absent: none wired). */
  fire?: LiveFire;
}

/** The fire-alarm input as the console shows it. */
export interface LiveFire {
  /** A fire alarm is on. */
  alarm: boolean;
  /** When it began, ms, or null. */
  alarmSince: number | null;
  /** The input's supervision loop is broken (a fault, not a fire). */
  fault: boolean;
  /** When the fault began, ms, or null. */
  faultSince: number | null;
  /** The site's policy (`fire.onAlarm`). */
  policy: 'release' | 'stay-locked';
  /** The strike is held unlocked for the alarm now. */
  released: boolean;
}

/** Whose card a secure badge is (issue 15): a badge of the visitor pool by its printed label, or an officer's own badge. */
export type SecureBadgeTarget = { holder: 'pool'; label: string } | { holder: 'officer'; officer: string };

/** The site's badge key versions as heads see them (never a key): unusable when the key file is missing or refused. */
export type BadgeKeyView =
  | {
      usable: true;
      /** The version new and re-keyed badges get. */
      current: number;
      /** Older versions whose badges still open the door. */
      accepted: number[];
      /** Versions whose badges are refused at the door (kept only to re-key or reset them). */
      retired: number[];
    }
  | { usable: false };

/** How long the desk waits for a card to be presented. */
export interface CardWait {
  /** Give up after this many ms without a card. */
  timeoutMs: number;
  /** Give up when aborted (the officer's browser went away). */
  signal?: AbortSignal;
}

/** What enrolling (or re-keying) one card at the desk recorded. */
export interface SecureBadgeEnrolment {
  /** The card's UID. */
  uid: string;
  /** Pool badge or officer's badge. */
  holder: 'pool' | 'officer';
  /** The pool badge's label (holder pool), else null. */
  label: string | null;
  /** The officer whose badge it is (holder officer), else null. */
  officer: string | null;
  /** The key version the card now holds. */
  keyVersion: number;
  /** The key version it held before (0: the factory key). */
  previousKeyVersion: number;
  /** A new pool badge was added by this enrolment. */
  added: boolean;
  /** The officer's former badge UID, when this card replaced it (it no longer opens the door). */
  replacedBadge: string | null;
}

/** What resetting one card at the desk recorded. */
export interface SecureBadgeReset {
  /** The card's UID. */
  uid: string;
  /** The site key version it held. */
  previousKeyVersion: number;
  /** The pool badge it was (now retired from the pool), else null. */
  label: string | null;
  /** The officer whose badge it was (now known by its UID only), else null. */
  officer: string | null;
}

/**
 * Secure badges at the desk (issue 15, a head's page): the key versions, what is enrolled, and programming the next
 * card presented on the desk reader. The adapter behind it holds the keys; the console never sees one.
 */
export interface SecureBadgeDesk {
  /** The site's key versions. */
  keys(): BadgeKeyView;
  /** Every card enrolled as a secure badge. */
  enrolled(): SecureBadge[];
  /** Whether the desk reader can program cards now: `no-reader` (none, or not PC/SC), `no-keys` (key file unusable). */
  writer(): { ready: true } | { ready: false; why: 'no-reader' | 'no-keys' };
  /** Check the target and the acting head before anyone is asked for a card (throws the app's refusal). */
  check(target: SecureBadgeTarget, by: string): void;
  /**
   * Wait for a card on the desk reader, refuse it untouched unless it is the target's (or a new card for a new pool
   * label), give it the site's current key and record it (the records on the daemon's write queue).
   */
  enroll(target: SecureBadgeTarget, by: string, wait: CardWait): Promise<SecureBadgeEnrolment>;
  /**
   * Wait for the enrolled card `uid`, put its factory key back and record it: a pool badge leaves the pool, an
   * officer's badge is known by its UID only again.
   */
  reset(uid: string, by: string, wait: CardWait): Promise<SecureBadgeReset>;
}

/** Everything the console is given by the composition root. */
export interface ConsolePorts {
  /** Visit and badge commands. */
  desk: DeskCommands;
  /** Officers' sign-in and management. */
  officers: OfficerDesk;
  /** Alarms. */
  alarms: AlarmDesk;
  /** Reads. */
  queries: ConsoleQueries;
  /** The watchlist (a head's page). */
  watchlist: WatchlistCommands;
  /** Secure badges at the desk (a head's page); absent where the composition root has none to give. */
  secureBadges?: SecureBadgeDesk;
  /** Run a write on the daemon's write queue (in order with the taps); resolves with its result or rejects with its error. */
  write<T>(name: string, job: () => T): Promise<T>;
  /** Every committed event, as it is committed; returns the unsubscribe. */
  subscribe(listener: (events: readonly StoredEvent[]) => void): () => void;
  /** The door now (relay, switch, mode). */
  door(): LiveDoor;
  /** The desk reader (KTP and badge taps at the desk), if one is configured. */
  deskReader: CardReader | null;
  /**
   * The desk reader authenticates cards (`secure: ntag424`): a tap of an enrolled secure badge's UID counts as that
   * badge only with the card's proof (absent: false, a reader of UIDs only, which cannot tell a copy).
   */
  deskReaderSecure?: boolean;
  /** Keyed hash of a KTP chip UID (the same the visit stores). */
  ktpHash(uid: string): string;
}

/**
 * Officers' sign-in and management (issue 12): console PINs kept only as salted scrypt hashes, a wrong-PIN counter kept
 * in the store (it survives restarts) that locks an officer out for the configured minutes after 5 wrong PINs in a row
 * and raises `alarm.pin_lockout`, the first head made by `pintu setup`, and officer management by an active head that
 * never leaves the site without one. Every change is one transaction with its event, naming the actor; no PIN, hash or
 * name ever reaches an event or an error message.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { event } from '../domain/events.js';
import { NotFound, Refused, UserError, type InputField } from '../domain/errors.js';
import { PIN_MAX_TRIES, pinProblem } from '../domain/pin.js';
import { textError } from '../domain/text.js';
import { ROLES, type Officer, type Role } from '../domain/types.js';
import { UID_RULE, checkUid } from '../domain/uid.js';
import { refuseRandomUid } from './input-checks.js';
import { MINUTE_MS } from '../domain/time.js';
import type { OfficerDesk, PinCheck, PinMatch } from '../ports/console.js';
import type { StorePort } from '../ports/store.js';

/** scrypt's cost (N) for new PINs: Node's default, about 16 MiB and tens of ms per check on a Pi 4. */
export const DEFAULT_SCRYPT_COST = 1 << 14;
/** How many unknown officer ids have their wrong PINs counted (in memory) at once; the oldest is forgotten first. */
const UNKNOWN_IDS_KEPT = 1000;
/** The longest PIN text that is hashed; anything longer is wrong without being hashed. */
const LONGEST_PIN_TRIED = 64;
/** An officer id as the store makes them (`O1`, `O2`, …): only such an unknown id is named in a lockout alarm. */
const OFFICER_ID = /^O[1-9][0-9]{0,8}$/;

/** Settings of the officer service. */
export interface OfficerServiceOptions {
  /** How long 5 wrong PINs in a row lock an officer out (config `console.pinLockoutMinutes`). */
  lockoutMinutes: number;
  /** Clock (ms). */
  now?: () => number;
  /** scrypt cost N for new PINs (a power of two; default `DEFAULT_SCRYPT_COST`). Stored in each hash, so it can change. */
  scryptCost?: number;
}

/** A new officer as a head (or `pintu setup`) registers them. */
export interface NewOfficer {
  /** Full name (personal data: never in an event or a log). */
  name: string;
  /** SOP role. */
  role: Role;
  /** UID of the officer's own badge (hex). */
  badge: string;
}

/** Wrong PINs of one officer id, as counted. */
interface Tries {
  /** Wrong PINs in a row. */
  failures: number;
  /** Locked until (ms), or null. */
  lockedUntil: number | null;
}

/** Officers' sign-in and management over the store. */
export class OfficerService implements OfficerDesk {
  private readonly now: () => number;
  private readonly cost: number;
  /** Wrong PINs of officer ids that do not exist, counted like real ones so that a reply never tells them apart. */
  private readonly unknownTries = new Map<string, Tries>();

  /** Bind to a store. */
  constructor(private readonly store: StorePort, private readonly opts: OfficerServiceOptions) {
    this.now = opts.now ?? Date.now;
    this.cost = opts.scryptCost ?? DEFAULT_SCRYPT_COST;
  }

  /** Whether any head is registered (then `pintu setup` is done and refused). */
  hasHead(): boolean {
    return this.store.officers().some((o) => o.role === 'head');
  }

  /** `pintu setup`: register the FIRST head with their PIN; refused once any head exists. */
  setupFirstHead(o: { name: string; badge: string; pin: string }): Officer {
    const { name, badge } = this.checkNewOfficer({ ...o, role: 'head' });
    const hash = this.hashPin(o.pin);
    return this.store.tx(() => {
      if (this.hasHead()) throw new Refused('a head is already registered: setup is done, and only a signed-in head adds officers', { field: 'role' });
      this.refuseTakenBadge(badge);
      const now = this.now();
      const head = this.store.addOfficer({ name, role: 'head', badgeUid: badge }, now);
      this.store.setPinHash(head.id, hash, now);
      this.store.events.append([
        event('officer.added', { officer: head.id, role: 'head', badge }),
        event('officer.pin_set', { officer: head.id, by: head.id }),
      ], now);
      return head;
    });
  }

  /**
   * The slow part of a PIN check, off the event loop (scrypt on libuv's thread pool) and without writing: whether the
   * PIN matches the officer's stored hash (an unknown officer's against a dummy, so it takes as long). Hand the result
   * to `verifyPin`, which then only counts (in the daemon's write queue, the taps wait for no hash).
   */
  async matchPin(officerId: string, pin: string): Promise<PinMatch> {
    const o = this.store.officer(officerId.trim().toUpperCase());
    const hash = o ? this.store.pinRecord(o.id)?.hash ?? null : null;
    const right = await pinMatchesAsync(hash ?? this.dummyHash, pin);
    return { hash, right: hash !== null && right };
  }

  /**
   * Check an officer's PIN; 5 wrong in a row lock the officer for the configured time and raise `alarm.pin_lockout`.
   * With `match` (from `matchPin` for the same PIN) no hash is computed here unless the PIN changed in between.
   */
  verifyPin(officerId: string, pin: string, match?: PinMatch): PinCheck {
    const id = officerId.trim().toUpperCase();
    const now = this.now();
    const o = this.store.officer(id);
    if (!o) return this.unknownTry(id, now, match !== undefined);
    const before = this.store.pinRecord(o.id);
    if (before?.lockedUntil != null && before.lockedUntil > now) return { ok: false, reason: 'locked', until: before.lockedUntil };
    if (!o.active) return { ok: false, reason: 'inactive' };
    if (!before?.hash) return { ok: false, reason: 'no-pin' };
    // The slow hash runs before the transaction: the write lock is held only to count.
    const right = match && match.hash === before.hash ? match.right : pinMatches(before.hash, pin);
    return this.store.tx(() => {
      const rec = this.store.pinRecord(o.id) ?? before;
      if (rec.lockedUntil != null && rec.lockedUntil > now) return { ok: false, reason: 'locked', until: rec.lockedUntil };
      // The PIN changed in between (another process): judge against the new one.
      const ok = rec.hash === before.hash ? right : rec.hash !== null && pinMatches(rec.hash, pin);
      if (ok) {
        if (rec.failures !== 0 || rec.lockedUntil !== null) this.store.setPinAttempts(o.id, 0, null);
        return { ok: true, officer: o };
      }
      return this.countWrong(o.id, rec.failures, now, (t) => this.store.setPinAttempts(o.id, t.failures, t.lockedUntil));
    });
  }

  /** Record a sign-in or sign-out on the console (`officer.signed_in` / `officer.signed_out`). */
  signedIn(officerId: string, how: 'in' | 'out' | 'timeout'): void {
    this.store.tx(() => {
      const o = this.officer(officerId, 'officer');
      this.store.events.append([how === 'in' ? event('officer.signed_in', { officer: o.id }) : event('officer.signed_out', { officer: o.id, how })], this.now());
    });
  }

  /** A head registers an officer (without a PIN: the head sets one, or the officer with `pintu officer pin`). */
  addOfficer(by: string, o: NewOfficer): Officer {
    const { name, role, badge } = this.checkNewOfficer(o);
    return this.store.tx(() => {
      const head = this.activeHead(by);
      this.refuseTakenBadge(badge);
      const officer = this.store.addOfficer({ name, role, badgeUid: badge }, this.now());
      this.store.events.append([event('officer.added', { officer: officer.id, role, badge, by: head.id })], this.now());
      return officer;
    });
  }

  /** A head changes an officer's role; the last active head cannot stop being one. Unchanged: no event. */
  setRole(by: string, id: string, role: Role): Officer {
    if (!ROLES.includes(role)) throw new UserError(`role "${String(role)}" must be one of ${ROLES.join(', ')}`, { field: 'role', subject: 'role' });
    return this.store.tx(() => {
      const head = this.activeHead(by);
      const o = this.officer(id, 'officer');
      if (o.role === role) return o;
      if (o.role === 'head' && o.active) this.refuseLastHead(o, `make another officer head before officer ${o.id} becomes ${role}`);
      this.store.setOfficerRole(o.id, role);
      this.store.events.append([event('officer.role_changed', { officer: o.id, role, by: head.id })], this.now());
      return { ...o, role };
    });
  }

  /** A head activates or deactivates an officer; the last active head cannot be deactivated. Unchanged: no event. */
  setActive(by: string, id: string, active: boolean): Officer {
    return this.store.tx(() => {
      const head = this.activeHead(by);
      const o = this.officer(id, 'officer');
      if (o.active === active) return o;
      if (!active && o.role === 'head') this.refuseLastHead(o, `make another officer head before officer ${o.id} is deactivated`);
      this.store.setOfficerActive(o.id, active);
      this.store.events.append([event(active ? 'officer.activated' : 'officer.deactivated', { officer: o.id, by: head.id })], this.now());
      return { ...o, active };
    });
  }

  /** A head sets (resets) an officer's PIN; this also clears the officer's wrong-PIN count and lock. */
  setPin(by: string, id: string, pin: string): void {
    const hash = this.hashPin(pin);
    this.store.tx(() => {
      const head = this.activeHead(by);
      const o = this.officer(id, 'officer');
      this.savePin(o.id, hash, head.id);
    });
  }

  /** An officer changes their own PIN: the current one is checked first (and a wrong one counts toward the lock). */
  changeOwnPin(id: string, current: string, next: string): void {
    const hash = this.hashPin(next);
    const o = this.officer(id, 'officer');
    this.requirePin(o.id, current, `the current PIN of officer ${o.id}`);
    this.store.tx(() => this.savePin(o.id, hash, o.id));
  }

  /** An officer's first PIN (`pintu officer pin ID` on the door's computer): only while the officer has none. */
  setFirstPin(id: string, pin: string): void {
    const hash = this.hashPin(pin);
    this.store.tx(() => {
      const o = this.officer(id, 'officer');
      if (this.store.pinRecord(o.id)?.hash) throw new Refused(`officer ${o.id} already has a PIN: changing it needs the current PIN or a head's`, { field: 'officer' });
      this.savePin(o.id, hash, o.id);
    });
  }

  /** Whether an officer has a PIN. */
  hasPin(id: string): boolean {
    return Boolean(this.store.pinRecord(this.officer(id, 'officer').id)?.hash);
  }

  /**
   * Check `pin` for an officer acting outside the console (the CLI's `--by`): returns the officer, or a Refused naming
   * what is wrong (`whose` names the PIN asked for, e.g. "the PIN of head O1"). A wrong PIN counts toward the lock.
   */
  requirePin(officerId: string, pin: string, whose: string): Officer {
    const r = this.verifyPin(officerId, pin);
    if (r.ok) return r.officer;
    const id = officerId.trim().toUpperCase();
    switch (r.reason) {
      case 'wrong': throw new Refused(`${whose} is wrong (${r.left} ${r.left === 1 ? 'try' : 'tries'} left before the lock)`, { field: 'pin' });
      case 'locked': throw new Refused(`officer ${id} is locked after ${PIN_MAX_TRIES} wrong PINs for ${Math.ceil((r.until - this.now()) / MINUTE_MS)} more minute(s)`, { field: 'pin' });
      case 'inactive': throw new Refused(`officer ${id} is deactivated`, { field: 'by' });
      case 'no-pin': throw new Refused(`officer ${id} has no PIN yet`, { field: 'pin' });
    }
  }

  /** Store a new PIN hash (the count and lock cleared) and its event. */
  private savePin(officer: string, hash: string, by: string): void {
    const now = this.now();
    this.store.setPinHash(officer, hash, now);
    this.store.events.append([event('officer.pin_set', { officer, by })], now);
  }

  /** One more wrong PIN after `failures`: counted, or the lock and its alarm at the 5th. */
  private countWrong(officer: string, failures: number, now: number, save: (t: Tries) => void, alarm = true): PinCheck {
    const next = failures + 1;
    if (next < PIN_MAX_TRIES) {
      save({ failures: next, lockedUntil: null });
      return { ok: false, reason: 'wrong', left: PIN_MAX_TRIES - next };
    }
    const until = now + this.opts.lockoutMinutes * MINUTE_MS;
    save({ failures: 0, lockedUntil: until });
    if (alarm) this.store.events.append([event('alarm.pin_lockout', { officer, minutes: this.opts.lockoutMinutes })], now);
    return { ok: false, reason: 'locked', until };
  }

  /** A PIN for an officer id that does not exist: hashed all the same (no quicker reply) and counted in memory. */
  private unknownTry(id: string, now: number, hashed: boolean): PinCheck {
    if (!hashed) pinMatches(this.dummyHash, '');
    const t = this.unknownTries.get(id) ?? { failures: 0, lockedUntil: null };
    if (t.lockedUntil !== null && t.lockedUntil > now) return { ok: false, reason: 'locked', until: t.lockedUntil };
    this.unknownTries.delete(id);
    if (this.unknownTries.size >= UNKNOWN_IDS_KEPT) this.unknownTries.delete(this.unknownTries.keys().next().value!);
    const save = (n: Tries): void => void this.unknownTries.set(id, n);
    // Someone guessing under an id shaped like an officer's is worth an alarm; any other text is not written to the log.
    const named = OFFICER_ID.test(id);
    return named ? this.store.tx(() => this.countWrong(id, t.failures, now, save)) : this.countWrong(id, t.failures, now, save, false);
  }

  /** A hash to check unknown officers' PINs against (made once, with the service's cost). */
  private get dummyHash(): string {
    this.dummy ??= hashPin(randomBytes(8).toString('hex'), this.cost);
    return this.dummy;
  }
  private dummy: string | undefined;

  /** The salted hash of an acceptable PIN, or a UserError saying why it is refused (never repeating it). */
  private hashPin(pin: string): string {
    const problem = pinProblem(pin);
    if (problem) throw new UserError(problem, { field: 'pin' });
    return hashPin(pin, this.cost);
  }

  /** The checked name, role and badge of a new officer. */
  private checkNewOfficer(o: NewOfficer): { name: string; role: Role; badge: string } {
    if (!o.name || !o.name.trim()) throw new UserError('officer name must not be empty', { field: 'name', subject: 'officer name' });
    const text = textError(o.name, 'officer name', 'name');
    if (text) throw new UserError(text, { field: 'name', subject: 'officer name' });
    if (!ROLES.includes(o.role)) throw new UserError(`role "${String(o.role)}" must be one of ${ROLES.join(', ')}`, { field: 'role', subject: 'role' });
    const uid = checkUid(o.badge);
    if (!uid.ok) throw new UserError(`officer badge UID "${o.badge}" must be ${UID_RULE}: ${uid.problem}`, { field: 'badge', subject: 'officer badge UID' });
    refuseRandomUid(uid.uid, 'badge', 'officer badge UID');
    return { name: o.name.trim(), role: o.role, badge: uid.uid };
  }

  /** Refuse a badge that is already an officer's or a visitor badge of the pool. */
  private refuseTakenBadge(uid: string): void {
    if (this.store.officerByBadge(uid)) throw new Refused(`badge ${uid} already belongs to another officer`, { field: 'badge' });
    if (this.store.badge(uid)) throw new Refused(`badge ${uid} is a visitor badge in the pool; officers need their own badge`, { field: 'badge' });
  }

  /** Refuse a change that would leave the site without an active head (`o` is an active head). */
  private refuseLastHead(o: Officer, what: string): void {
    const others = this.store.officers().filter((x) => x.role === 'head' && x.active && x.id !== o.id);
    if (others.length === 0) throw new Refused(`officer ${o.id} is the last active head: ${what}`, { field: 'officer' });
  }

  /** The acting officer, who must be an active head. */
  private activeHead(by: string): Officer {
    const actor = this.officer(by, 'by');
    if (actor.role !== 'head') throw new Refused(`officer ${actor.id} is ${actor.role}; only a head may manage officers`, { field: 'by' });
    if (!actor.active) throw new Refused(`officer ${actor.id} is deactivated; only an active head may manage officers`, { field: 'by' });
    return actor;
  }

  /** An officer by id, or a NotFound about `field`. */
  private officer(id: string, field: InputField): Officer {
    const o = this.store.officer(id.trim().toUpperCase());
    if (!o) throw new NotFound('officer', `no officer with id "${id}"`, { field });
    return o;
  }
}

/** scrypt's block size r and parallelism p for new PINs. */
const SCRYPT_R = 8;
const SCRYPT_P = 1;

/** The salted scrypt hash of a PIN: `scrypt$N$r$p$salt$hash` (base64), so the cost can be raised later. */
export function hashPin(pin: string, cost: number = DEFAULT_SCRYPT_COST): string {
  const salt = randomBytes(16);
  const hash = scryptSync(pin, salt, 32, { N: cost, r: SCRYPT_R, p: SCRYPT_P, maxmem: 256 * cost * SCRYPT_R });
  return ['scrypt', cost, SCRYPT_R, SCRYPT_P, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** `pinMatches` with scrypt on the thread pool: the event loop (and the door's taps) never waits for it. */
export function pinMatchesAsync(stored: string, pin: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return Promise.resolve(false);
  const N = Number(n), R = Number(r), P = Number(p);
  const want = Buffer.from(hash, 'base64');
  return new Promise((resolve) => {
    scrypt(pin.slice(0, LONGEST_PIN_TRIED), Buffer.from(salt, 'base64'), want.length, { N, r: R, p: P, maxmem: 256 * N * R }, (err, got) => {
      resolve(!err && pin.length <= LONGEST_PIN_TRIED && timingSafeEqual(want, got));
    });
  });
}

/** Whether a PIN matches a stored hash (constant-time comparison; a malformed hash or an overlong PIN never matches). */
export function pinMatches(stored: string, pin: string): boolean {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const N = Number(n), R = Number(r), P = Number(p);
  const want = Buffer.from(hash, 'base64');
  const got = scryptSync(pin.slice(0, LONGEST_PIN_TRIED), Buffer.from(salt, 'base64'), want.length, { N, r: R, p: P, maxmem: 256 * N * R });
  return pin.length <= LONGEST_PIN_TRIED && timingSafeEqual(want, got);
}

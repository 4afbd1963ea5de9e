/**
 * Accounts of the central dashboard: a login id, a display name, a role, the sites the account may see (null: all),
 * a password kept only as a salted scrypt hash (hashed on libuv's thread pool, never in logs), an optional TOTP second
 * factor (RFC 6238 via otpauth; each code is accepted once: the last accepted time step is kept per account), and a
 * lockout after `lockoutAttempts` wrong passwords or codes in a row (counted in the table, so a restart does not reset
 * it). The centre always keeps at least one active head of every site (who manages the accounts): disabling, demoting
 * or limiting the last one to some sites is refused.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { UserError } from '../domain/errors.js';
import type { SqlRunner } from './sql-runner.js';

/** Roles of central users (central-plan: helpdesk < analyst < subhead < head). */
export const CENTRAL_ROLES = ['helpdesk', 'analyst', 'subhead', 'head'] as const;
/** A central user's role. */
export type CentralRole = (typeof CENTRAL_ROLES)[number];

/** A central user as the dashboard sees it (never the hash or the TOTP secret). */
export interface CentralUser {
  /** Login id. */
  id: string;
  /** Display name. */
  name: string;
  /** Role. */
  role: CentralRole;
  /** Sites this account may see; null: every site. */
  sites: string[] | null;
  /** A TOTP second factor is required. */
  totp: boolean;
  /** The account may sign in. */
  active: boolean;
  /** Wrong passwords or codes in a row. */
  failed: number;
  /** Locked until (ms), or null. */
  lockedUntil: number | null;
  /** Created (ms). */
  createdAt: number;
}

/** Outcome of a sign-in attempt (the page says only "wrong id, password or code" for bad/unknown). */
export type SignInResult =
  | { ok: true; user: CentralUser }
  | { ok: false; why: 'bad' | 'locked' | 'inactive' | 'code'; lockedUntil?: number };

/** Settings of the accounts. */
export interface UserPolicy {
  /** Wrong attempts in a row before a lockout. */
  lockoutAttempts: number;
  /** Minutes of a lockout. */
  lockoutMinutes: number;
  /** scrypt cost N (power of two; default 2^15). */
  scryptCost?: number;
}

const ID_RE = /^[a-z0-9][a-z0-9._-]{1,31}$/;
const SITE_RE = /^[A-Za-z0-9_-]{1,64}$/;
/** Shortest password accepted. */
export const MIN_PASSWORD = 10;

/** Why a password is not acceptable, or null. */
export function passwordProblem(pw: string): string | null {
  if (pw.length < MIN_PASSWORD) return `a password needs at least ${MIN_PASSWORD} characters`;
  if (pw.length > 200) return 'a password has at most 200 characters';
  if (new Set(pw).size < 4) return 'a password needs at least 4 different characters';
  return null;
}

function scrypt(pw: string, salt: Buffer, n: number): Promise<Buffer> {
  const o: ScryptOptions = { N: n, r: 8, p: 1, maxmem: 256 * n * 8 };
  return new Promise((resolve, reject) => scryptCb(pw, salt, 32, o, (err, key) => (err ? reject(err) : resolve(key))));
}

/** `scrypt$N$r$p$salt$hash` of a password (cost stored in the hash, so it can be raised later). */
export async function hashPassword(pw: string, cost = 1 << 15): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt$${cost}$8$1$${salt.toString('base64')}$${(await scrypt(pw, salt, cost)).toString('base64')}`;
}

/** Does the password match the hash? (constant time) */
export async function passwordMatches(pw: string, stored: string): Promise<boolean> {
  const [kind, n, , , salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const want = Buffer.from(hash, 'base64');
  const got = await scrypt(pw, Buffer.from(salt, 'base64'), Number(n));
  return got.length === want.length && timingSafeEqual(got, want);
}

/** A TOTP of a base32 secret (30 s, 6 digits, SHA-1: what every authenticator app reads). */
export function totpOf(secretBase32: string, account = 'pintu'): TOTP {
  return new TOTP({ issuer: 'pintu', label: account, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secretBase32) });
}

interface UserRow { id: string; name: string; role: string; sites: string | null; password_hash: string; totp_secret: string | null; totp_step?: number | string | null; failed: number | string; locked_until: number | string | null; active: number | string; created_at: number | string }

function userFrom(r: UserRow): CentralUser {
  return {
    id: r.id, name: r.name, role: r.role as CentralRole, sites: r.sites === null ? null : JSON.parse(r.sites) as string[], totp: r.totp_secret !== null,
    active: Number(r.active) === 1, failed: Number(r.failed), lockedUntil: r.locked_until === null ? null : Number(r.locked_until), createdAt: Number(r.created_at),
  };
}

/** The accounts of the centre. */
export class CentralUsers {
  private readonly cost: number;

  /** Over the central store's database. */
  constructor(private readonly sql: SqlRunner, private readonly policy: UserPolicy, private readonly now: () => number = Date.now) {
    this.cost = policy.scryptCost ?? 1 << 15;
  }

  /** Create an account; refuses a taken id, an unknown role, a bad site id or a weak password. */
  async add(u: { id: string; name: string; role: string; sites: readonly string[] | null; password: string }): Promise<CentralUser> {
    if (!ID_RE.test(u.id)) throw new UserError(`user id "${u.id}" must be 2–32 lowercase letters, digits, '.', '_' or '-'`);
    if (!u.name.trim() || u.name.length > 100) throw new UserError('a user needs a name of 1–100 characters');
    const role = roleOf(u.role);
    const sites = sitesOf(u.sites);
    const problem = passwordProblem(u.password);
    if (problem) throw new UserError(problem);
    if (await this.get(u.id)) throw new UserError(`user ${u.id} exists already`);
    const at = this.now();
    await this.sql.run('INSERT INTO central_users (id, name, role, sites, password_hash, created_at, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [u.id, u.name.trim(), role, sites, await hashPassword(u.password, this.cost), at, at]);
    return (await this.get(u.id))!;
  }

  /** Change an account's role and/or sites (null: every site); refuses demoting the last active head. */
  async set(id: string, change: { role?: string; sites?: readonly string[] | null }): Promise<CentralUser> {
    const user = await this.must(id);
    const role = change.role === undefined ? user.role : roleOf(change.role);
    const sites = change.sites === undefined ? (user.sites ? JSON.stringify(user.sites) : null) : sitesOf(change.sites);
    if (role !== 'head' || sites !== null) await this.keepAHead(id, role !== 'head' ? `demote ${id}` : `limit ${id} to some sites`);
    await this.sql.run('UPDATE central_users SET role = ?, sites = ?, changed_at = ? WHERE id = ?', [role, sites, this.now(), id]);
    return (await this.get(id))!;
  }

  /** Let an account sign in again, or not; refuses disabling the last active head. */
  async setActive(id: string, active: boolean): Promise<CentralUser> {
    await this.must(id);
    if (!active) await this.keepAHead(id, `disable ${id}`);
    await this.sql.run('UPDATE central_users SET active = ?, changed_at = ? WHERE id = ?', [active ? 1 : 0, this.now(), id]);
    return (await this.get(id))!;
  }

  /** Set a new password (refusing a weak one); also ends a lockout. */
  async setPassword(id: string, password: string): Promise<void> {
    await this.must(id);
    const problem = passwordProblem(password);
    if (problem) throw new UserError(problem);
    await this.sql.run('UPDATE central_users SET password_hash = ?, failed = 0, locked_until = NULL, changed_at = ? WHERE id = ?', [await hashPassword(password, this.cost), this.now(), id]);
  }

  /**
   * A user changes their own password: the current one must be right (a wrong one counts toward the lockout, so a
   * left-open session cannot be used to guess it). Returns false when the current password is wrong.
   */
  async changeOwnPassword(id: string, current: string, next: string): Promise<boolean> {
    const r = (await this.sql.rows<UserRow>('SELECT * FROM central_users WHERE id = ?', [id]))[0];
    if (!r) throw new UserError(`no user ${id}`);
    const problem = passwordProblem(next);
    if (problem) throw new UserError(problem);
    if (!(await passwordMatches(current, r.password_hash))) {
      await this.countFailure(id, this.now());
      return false;
    }
    await this.setPassword(id, next);
    return true;
  }

  /** End a lockout and forget the wrong attempts. */
  async unlock(id: string): Promise<void> {
    await this.must(id);
    await this.sql.run('UPDATE central_users SET failed = 0, locked_until = NULL, changed_at = ? WHERE id = ?', [this.now(), id]);
  }

  /** Turn the TOTP second factor off (the secret is forgotten). */
  async disableTotp(id: string): Promise<void> {
    await this.must(id);
    await this.sql.run('UPDATE central_users SET totp_secret = NULL, totp_step = NULL, changed_at = ? WHERE id = ?', [this.now(), id]);
  }

  /** One account, or null. */
  async get(id: string): Promise<CentralUser | null> {
    const r = (await this.sql.rows<UserRow>('SELECT * FROM central_users WHERE id = ?', [id]))[0];
    return r ? userFrom(r) : null;
  }

  /** Every account, by id. */
  async list(): Promise<CentralUser[]> {
    return (await this.sql.rows<UserRow>('SELECT * FROM central_users ORDER BY id', [])).map(userFrom);
  }

  /** How many heads can sign in (the last one may not be removed). */
  async activeHeads(): Promise<number> {
    const r = await this.sql.rows<{ n: number | string }>("SELECT COUNT(*) AS n FROM central_users WHERE role = 'head' AND active = 1", []);
    return Number(r[0]?.n ?? 0);
  }

  /**
   * Check a sign-in. An unknown id costs the same scrypt as a known one. A wrong password or code counts toward the
   * lockout; the right one resets the count. A locked or inactive account is refused before its password is checked.
   */
  async signIn(id: string, password: string, code?: string): Promise<SignInResult> {
    const r = (await this.sql.rows<UserRow>('SELECT * FROM central_users WHERE id = ?', [id]))[0];
    const now = this.now();
    if (!r) { await passwordMatches(password, DUMMY_HASH); return { ok: false, why: 'bad' }; }
    const user = userFrom(r);
    // A deactivated account is named only to whoever knows its password (else any visitor could list them).
    if (!user.active) return { ok: false, why: (await passwordMatches(password, r.password_hash)) ? 'inactive' : 'bad' };
    if (user.lockedUntil !== null && user.lockedUntil > now) return { ok: false, why: 'locked', lockedUntil: user.lockedUntil };
    // Count the attempt before checking it (one conditional UPDATE): attempts sent at once each take a number, and
    // those beyond the allowance are refused unchecked, so a burst cannot try more passwords than the lockout allows.
    const claim = await this.claimAttempt(id, now);
    if (claim.locked !== null) return { ok: false, why: 'locked', lockedUntil: claim.locked };
    let good = await passwordMatches(password, r.password_hash);
    if (good && r.totp_secret !== null) {
      if (!code) {
        // The right password without a code is not a wrong attempt: give the counted one back.
        await this.sql.run('UPDATE central_users SET failed = CASE WHEN failed > 0 THEN failed - 1 ELSE 0 END WHERE id = ?', [id]);
        return { ok: false, why: 'code' };
      }
      good = await this.codeAccepted(id, r.totp_secret, code.replace(/\s/g, ''), now);
    }
    if (!good) {
      if (claim.n >= this.policy.lockoutAttempts) {
        const until = await this.lock(id, now);
        return { ok: false, why: 'locked', lockedUntil: until };
      }
      return { ok: false, why: 'bad' };
    }
    await this.sql.run('UPDATE central_users SET failed = 0, locked_until = NULL WHERE id = ?', [id]);
    return { ok: true, user: { ...user, failed: 0, lockedUntil: null } };
  }

  /** Count one attempt unless locked; `n` is its number in the run of failures, `locked` the lock's end when refused. */
  private async claimAttempt(id: string, now: number): Promise<{ n: number; locked: number | null }> {
    const took = await this.sql.rows<{ failed: number | string }>('UPDATE central_users SET failed = failed + 1 WHERE id = ? AND (locked_until IS NULL OR locked_until <= ?) RETURNING failed', [id, now]);
    if (took.length === 0) {
      const u = await this.get(id);
      return { n: 0, locked: u?.lockedUntil ?? now + this.policy.lockoutMinutes * 60_000 };
    }
    const n = Number(took[0]!.failed);
    if (n > this.policy.lockoutAttempts) return { n, locked: await this.lock(id, now) };
    return { n, locked: null };
  }

  /** Lock an account (once: a lock already running is kept) and start its count afresh; returns the lock's end. */
  private async lock(id: string, now: number): Promise<number> {
    const until = now + this.policy.lockoutMinutes * 60_000;
    await this.sql.run('UPDATE central_users SET locked_until = ?, failed = 0 WHERE id = ? AND (locked_until IS NULL OR locked_until <= ?)', [until, id, now]);
    return (await this.get(id))?.lockedUntil ?? until;
  }

  /** Turn on a TOTP second factor with a new secret; returns the otpauth:// URI to show as text or QR once. */
  async enableTotp(id: string): Promise<string> {
    const user = await this.get(id);
    if (!user) throw new UserError(`no user ${id}`);
    const secret = new Secret({ size: 20 }).base32;
    await this.sql.run('UPDATE central_users SET totp_secret = ?, totp_step = NULL, changed_at = ? WHERE id = ?', [secret, this.now(), id]);
    return totpOf(secret, id).toString();
  }

  /**
   * Is the code valid now (±1 step) and of a later time step than the last one this account used? The step is kept
   * in one conditional UPDATE, so the same code presented twice (even at once) is accepted only once.
   */
  private async codeAccepted(id: string, secret: string, token: string, now: number): Promise<boolean> {
    if (!/^\d{6}$/.test(token)) return false;
    const delta = totpOf(secret).validate({ token, timestamp: now, window: 1 });
    if (delta === null) return false;
    const step = Math.floor(now / 30_000) + delta;
    const took = await this.sql.rows<{ id: string }>('UPDATE central_users SET totp_step = ? WHERE id = ? AND (totp_step IS NULL OR totp_step < ?) RETURNING id', [step, id, step]);
    return took.length === 1;
  }

  /** Count a wrong password or code; at the limit, lock the account (returns until when) and reset the count. */
  private async countFailure(id: string, now: number): Promise<number | null> {
    const failed = (await this.sql.rows<{ failed: number | string }>('UPDATE central_users SET failed = failed + 1 WHERE id = ? RETURNING failed', [id]))[0];
    if (Number(failed?.failed ?? 0) < this.policy.lockoutAttempts) return null;
    const until = now + this.policy.lockoutMinutes * 60_000;
    await this.sql.run('UPDATE central_users SET locked_until = ?, failed = 0 WHERE id = ?', [until, id]);
    return until;
  }

  /** The account, or a UserError naming the id. */
  private async must(id: string): Promise<CentralUser> {
    const user = await this.get(id);
    if (!user) throw new UserError(`no user ${id}`);
    return user;
  }

  /**
   * Refuse a change to `id` that would leave no active head of every site other than `id` (the one who can manage
   * accounts on the dashboard).
   */
  private async keepAHead(id: string, what: string): Promise<void> {
    const user = await this.must(id);
    if (user.role !== 'head' || !user.active || user.sites !== null) return;
    const r = await this.sql.rows<{ n: number | string }>("SELECT COUNT(*) AS n FROM central_users WHERE role = 'head' AND active = 1 AND sites IS NULL AND id <> ?", [id]);
    if (Number(r[0]?.n ?? 0) === 0) throw new UserError(`cannot ${what}: it is the last active head of every site (add or enable another head first)`);
  }
}

/** A role name checked against CENTRAL_ROLES. */
function roleOf(role: string): CentralRole {
  if (!(CENTRAL_ROLES as readonly string[]).includes(role)) throw new UserError(`role "${role}" is not one of ${CENTRAL_ROLES.join(', ')}`);
  return role as CentralRole;
}

/** Sites as stored (sorted JSON, null: every site); refuses a bad site id or an empty list. */
function sitesOf(sites: readonly string[] | null): string | null {
  if (sites === null) return null;
  for (const s of sites) if (!SITE_RE.test(s)) throw new UserError(`site "${s}" is not a site id`);
  if (sites.length === 0) throw new UserError('a user limited to sites needs at least one site');
  return JSON.stringify([...new Set(sites)].sort());
}

/** A hash no password matches, checked for unknown ids so their answer takes as long. */
const DUMMY_HASH = `scrypt$32768$8$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

/**
 * The site's badge master keys (`badges.keyFile`, default /etc/pintu/badge.keys; issue 15, docs/badges.md): AES-128,
 * one per key version 1–255, from which every badge's key is diversified with its UID. A JSON file:
 * `{"format":"pintu-badge-keys/1","versions":[{"version":1,"key":"<32 hex>","state":"current","createdAt":"<ISO>"}]}`.
 * Exactly one version is `current` (new and re-keyed badges get it); `accepted` ones still open the door (a rotation
 * with --keep-previous); `retired` ones are kept only so the desk can re-key or reset their badges (the door refuses them).
 * Outside the data dir, mode 0600, owned by the service user: a copied SD card's data partition or a backup holds no
 * key. Nothing here ever logs or puts into an error message a key byte.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fchownSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import type { BadgeKeyFileStatus, BadgeKeyring, BadgeKeySource } from '../../ports/badge-keys.js';
import type { Log } from '../../ports/log.js';

/** The file's `format` value. */
export const BADGE_KEYS_FORMAT = 'pintu-badge-keys/1';
const NOTE = 'pintu badge master keys (badges.keyFile): keep mode 0600, owner pintu; keep a copy apart from the door and its backups. Change only with pintu badge key rotate|retire.';

/** What a key version is for. */
export type BadgeKeyState = 'current' | 'accepted' | 'retired';

/** One key version of the file. */
export interface BadgeKeyVersion {
  /** Key version written on the cards (1–255). */
  version: number;
  /** The 16-byte AES-128 master key. */
  key: Buffer;
  /** current: given to badges; accepted: still opens the door; retired: refused at the door. */
  state: BadgeKeyState;
  /** When the version was made (ISO 8601). */
  createdAt: string;
}

/** A bad key file: `kind` says how (missing, loose permissions or owner, malformed). */
export class BadgeKeyFileError extends Error {
  /** missing | loose | invalid. */
  readonly kind: 'missing' | 'loose' | 'invalid';
  /** Create with what is wrong. */
  constructor(kind: 'missing' | 'loose' | 'invalid', message: string) {
    super(message);
    this.kind = kind;
  }
}

const STATES: readonly BadgeKeyState[] = ['current', 'accepted', 'retired'];
const FIX = 'put back the copy you kept, or repair it with pintu badge key status / rotate';

/** Check and parse the file's text; errors name the file and the field, never a key. */
export function parseBadgeKeys(text: string, file: string): BadgeKeyVersion[] {
  const bad = (what: string): BadgeKeyFileError => new BadgeKeyFileError('invalid', `badge key file ${file}: ${what}; ${FIX}`);
  let raw: unknown;
  // JSON.parse's own message quotes the text (a key): never pass it on.
  try { raw = JSON.parse(text); } catch { throw bad('is not valid JSON'); }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad('is not a JSON object');
  const top = raw as Record<string, unknown>;
  for (const k of Object.keys(top)) if (!['format', 'versions', 'note'].includes(k)) throw bad(`unknown field "${k.slice(0, 40)}"`);
  if (top.format !== BADGE_KEYS_FORMAT) throw bad(`format must be "${BADGE_KEYS_FORMAT}"`);
  if (!Array.isArray(top.versions) || top.versions.length === 0) throw bad('versions must be a non-empty list');
  const out: BadgeKeyVersion[] = [];
  for (const [i, v] of (top.versions as unknown[]).entries()) {
    const at = `versions[${i}]`;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(`${at} is not an object`);
    const e = v as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!['version', 'key', 'state', 'createdAt'].includes(k)) throw bad(`${at} has an unknown field "${k.slice(0, 40)}"`);
    if (typeof e.version !== 'number' || !Number.isInteger(e.version) || e.version < 1 || e.version > 255) throw bad(`${at}.version must be a whole number 1–255`);
    if (typeof e.key !== 'string' || !/^[0-9a-fA-F]{32}$/.test(e.key)) throw bad(`${at}.key must be 32 hex digits (an AES-128 key)`);
    if (typeof e.state !== 'string' || !STATES.includes(e.state as BadgeKeyState)) throw bad(`${at}.state must be current, accepted or retired`);
    if (typeof e.createdAt !== 'string' || !/^\d{4}-\d\d-\d\dT/.test(e.createdAt) || !Number.isFinite(Date.parse(e.createdAt))) throw bad(`${at}.createdAt must be an ISO 8601 time`);
    if (out.some((o) => o.version === e.version)) throw bad(`${at}.version ${e.version} appears twice`);
    out.push({ version: e.version, key: Buffer.from(e.key, 'hex'), state: e.state as BadgeKeyState, createdAt: e.createdAt });
  }
  const current = out.filter((o) => o.state === 'current');
  if (current.length !== 1) throw bad(`exactly one version must be current (found ${current.length})`);
  return out.sort((a, b) => a.version - b.version);
}

/**
 * Refuse a missing, loose (group/world-readable, not a plain file, owned by another user than `owner`) file. `owner`:
 * the uid that must own it (default: this process's, unless root, who may read any).
 */
export function checkBadgeKeyFile(file: string, owner?: number): Stats {
  let st: Stats;
  try { st = statSync(file); } catch {
    throw new BadgeKeyFileError('missing', `badge key file ${file} does not exist: create it with \`pintu badge key create\` (a new site), or put back the copy you kept (badges enrolled with it open nothing without it)`);
  }
  if (!st.isFile()) throw new BadgeKeyFileError('loose', `badge key file ${file} is not a file`);
  if ((st.mode & 0o077) !== 0) {
    throw new BadgeKeyFileError('loose', `badge key file ${file} has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}, readable by others than its owner: run \`chmod 600 ${file}\` (and chown it to the pintu user), and consider rotating (pintu badge key rotate)`);
  }
  const uid = owner ?? (process.getuid?.() === 0 ? undefined : process.getuid?.());
  if (uid !== undefined && st.uid !== uid) {
    throw new BadgeKeyFileError('loose', `badge key file ${file} is owned by uid ${st.uid}, not by the user pintu runs as (uid ${uid}): run \`chown pintu: ${file}\``);
  }
  return st;
}

/** Read and check the key file (permissions, owner, format). */
export function readBadgeKeyFile(file: string, owner?: number): BadgeKeyVersion[] {
  checkBadgeKeyFile(file, owner);
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (err) {
    throw new BadgeKeyFileError('invalid', `cannot read badge key file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'} (run pintu as the user owning it)`);
  }
  return parseBadgeKeys(text, file);
}

/** The file's text for `versions`. */
function fileText(versions: readonly BadgeKeyVersion[]): string {
  const list = [...versions].sort((a, b) => a.version - b.version)
    .map((v) => ({ version: v.version, key: v.key.toString('hex'), state: v.state, createdAt: v.createdAt }));
  return JSON.stringify({ format: BADGE_KEYS_FORMAT, note: NOTE, versions: list }, null, 2) + '\n';
}

/** Who a key file written by root is given to (the service user), or null to keep the writer's. */
export type KeyFileOwner = { uid: number; gid: number } | null;

/** Write `text` to a new file created 0600 (never a moment readable by others) and owned by `owner`, fsynced. */
function writeNew(path: string, text: string, owner: KeyFileOwner = null): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    if (owner) fchownSync(fd, owner.uid, owner.gid);
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replace the key file atomically (temp file 0600 from its first byte, given to `owner` before the rename, fsync,
 * rename): the door never sees it owned by another user. Checked before it is written.
 */
export function writeBadgeKeyFile(file: string, versions: readonly BadgeKeyVersion[], owner: KeyFileOwner = null): void {
  const text = fileText(versions);
  parseBadgeKeys(text, file);
  mkdirSync(dirname(file), { recursive: true, mode: 0o750 });
  const tmp = `${file}.new`;
  // A temp file left behind keeps its own mode under 'w': remove it and create ours 0600 ('wx').
  rmSync(tmp, { force: true });
  writeNew(tmp, text, owner);
  renameSync(tmp, file);
}

/** A new random version entry. */
function newVersion(version: number, state: BadgeKeyState, now: number): BadgeKeyVersion {
  return { version, key: randomBytes(16), state, createdAt: new Date(now).toISOString() };
}

/** Create the key file with version 1 current; refused when it exists (keys in use are never replaced: rotate them). */
export function createBadgeKeyFile(file: string, now = Date.now()): BadgeKeyVersion {
  if (existsSync(file)) throw new BadgeKeyFileError('invalid', `badge key file ${file} exists already; \`pintu badge key rotate\` makes a new key version`);
  mkdirSync(dirname(file), { recursive: true, mode: 0o750 });
  const v = newVersion(1, 'current', now);
  writeNew(file, fileText([v]));
  return v;
}

/** The outcome of a rotation. */
export interface BadgeKeyRotation {
  /** Every version after it. */
  versions: BadgeKeyVersion[];
  /** The new current version. */
  version: number;
  /** The version it replaced. */
  previous: number;
  /** The previous version still opens the door (--keep-previous). */
  previousAccepted: boolean;
}

/**
 * Make a new random key version current. The previous current becomes `accepted` (keepPrevious) or `retired` (refused
 * at the door at once; its badges are re-keyed at the desk). The new number is one above the highest held, or the
 * lowest never used once 255 is taken.
 */
export function rotateBadgeKeys(versions: readonly BadgeKeyVersion[], o: { keepPrevious: boolean; now?: number }): BadgeKeyRotation {
  const held = new Set(versions.map((v) => v.version));
  const top = Math.max(...held);
  let next = top < 255 ? top + 1 : 0;
  if (next === 0) for (let n = 1; n <= 255 && next === 0; n++) if (!held.has(n)) next = n;
  if (next === 0) throw new BadgeKeyFileError('invalid', 'every key version 1–255 is in the badge key file: no new version can be made');
  const previous = versions.find((v) => v.state === 'current')!.version;
  const moved = versions.map((v) => (v.state === 'current' ? { ...v, state: (o.keepPrevious ? 'accepted' : 'retired') as BadgeKeyState } : v));
  return { versions: [...moved, newVersion(next, 'current', o.now ?? Date.now())], version: next, previous, previousAccepted: o.keepPrevious };
}

/** Retire an accepted version (its badges are refused at the door from now on); refuses the current one, an unknown or already retired one. */
export function retireBadgeKey(versions: readonly BadgeKeyVersion[], version: number): BadgeKeyVersion[] {
  const v = versions.find((x) => x.version === version);
  const held = versions.map((x) => `${x.version} (${x.state})`).join(', ');
  if (!v) throw new BadgeKeyFileError('invalid', `key version ${version} is not in the badge key file (it holds ${held})`);
  if (v.state === 'current') throw new BadgeKeyFileError('invalid', `key version ${version} is the current one: rotate first (pintu badge key rotate), then retire it`);
  if (v.state === 'retired') throw new BadgeKeyFileError('invalid', `key version ${version} is already retired`);
  return versions.map((x) => (x.version === version ? { ...x, state: 'retired' as BadgeKeyState } : x));
}

/** The keyring of checked versions (copies of the keys: a caller cannot change the ring's). */
export function badgeKeyring(versions: readonly BadgeKeyVersion[]): BadgeKeyring {
  const byVersion = new Map(versions.map((v) => [v.version, { ...v, key: Buffer.from(v.key) }]));
  const current = versions.find((v) => v.state === 'current')?.version;
  if (current === undefined) throw new Error('a badge keyring needs a current version');
  return {
    current,
    master: (version) => { const v = byVersion.get(version); return v ? Buffer.from(v.key) : null; },
    accepted: (version) => { const s = byVersion.get(version)?.state; return s === 'current' || s === 'accepted'; },
    versions: () => [...byVersion.keys()].sort((a, b) => a - b),
  };
}

/** What health says of the file (no key material). */
export function inspectBadgeKeyFile(file: string, owner?: number): BadgeKeyFileStatus {
  try {
    const versions = readBadgeKeyFile(file, owner);
    const current = versions.find((v) => v.state === 'current')!.version;
    const accepted = versions.filter((v) => v.state !== 'retired').length;
    const retired = versions.length - accepted;
    return { file, state: 'ok', current, accepted, retired, detail: `${file}: mode 0600, current key version ${current}${accepted > 1 ? `, ${accepted - 1} older version(s) still accepted` : ''}${retired ? `, ${retired} retired` : ''}` };
  } catch (err) {
    const kind = err instanceof BadgeKeyFileError ? err.kind : 'invalid';
    return { file, state: kind, current: null, accepted: 0, retired: 0, detail: (err as Error).message };
  }
}

/** The logger calls the source makes. */
export type BadgeKeyLog = Pick<Log, 'info' | 'error'>;

/**
 * The key file as a `BadgeKeySource`: a stat per call; re-read when the file's inode, size, mtime or ctime changed (a
 * rotation renames a new file in; a chmod changes ctime). A bad rewrite (loose, malformed, gone) is logged once, without
 * key material, and the last good keyring kept: a typo in /etc/pintu does not lock out every badge.
 */
export class BadgeKeyFileSource implements BadgeKeySource {
  private good: { sig: string; ring: BadgeKeyring } | null = null;
  private bad: { sig: string; err: Error } | null = null;

  /** Read `file` (checked like `readBadgeKeyFile`, owner `owner`) on demand; log to `log`. */
  constructor(private readonly file: string, private readonly log: BadgeKeyLog, private readonly owner?: number) {}

  /** The keyring as of now; throws (naming the file) only when no good keyring was ever loaded. */
  keyring(): BadgeKeyring {
    let sig: string;
    try {
      const st = statSync(this.file);
      sig = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    } catch {
      sig = 'missing';
    }
    if (this.good && sig === this.good.sig) return this.good.ring;
    if (this.bad && sig === this.bad.sig) return this.lastGood(this.bad.err);
    try {
      const ring = badgeKeyring(readBadgeKeyFile(this.file, this.owner));
      this.good = { sig, ring };
      this.bad = null;
      this.log.info({ file: this.file, current: ring.current, versions: ring.versions() }, 'badge keys loaded');
      return ring;
    } catch (err) {
      this.bad = { sig, err: err as Error };
      this.log.error({ file: this.file, err: (err as Error).message, keeping: this.good?.ring.current ?? null }, this.good ? 'badge key file unusable: keeping the badge keys loaded before' : 'badge key file unusable');
      return this.lastGood(err as Error);
    }
  }

  private lastGood(err: Error): BadgeKeyring {
    if (this.good) return this.good.ring;
    throw err;
  }
}

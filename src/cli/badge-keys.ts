/**
 * `pintu badge key create|status|rotate [--keep-previous]|retire <version>`: the site's badge master keys (issue 15;
 * `badges.keyFile`, default /etc/pintu/badge.keys, outside the data dir, mode 0600, owned by the pintu user). Every
 * badge's AES key is diversified from the version it was enrolled with; the door reads the file again when it changes.
 *
 * Rotation makes a new random version current (new and re-keyed badges get it). The previous one stays `accepted`
 * with --keep-previous (its badges open the door until it is retired), else it is `retired` at once (its badges are
 * refused at the door and re-keyed at the desk with `pintu badge enroll`). Retired versions stay in the file only so the
 * desk can re-key or reset those badges. Each rotation and retirement appends `badge.key_rotated` to the door's log.
 * Key bytes are never printed, logged or written anywhere but the key file.
 */
import { Command } from 'commander';
import { chownSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { UserError } from '../domain/errors.js';
import { event } from '../domain/events.js';
import { formatTime } from '../domain/time.js';
import {
  BadgeKeyFileError, createBadgeKeyFile, readBadgeKeyFile, retireBadgeKey, rotateBadgeKeys, writeBadgeKeyFile, type BadgeKeyVersion,
} from '../adapters/os/badge-key-file.js';
import { DB_FILE, openStore } from '../main.js';
import { action, configOf, out } from './context.js';

/** The data dir's owner when run as root (the daemon, as that user, must read the key file), else null. */
function dataDirOwner(config: Config): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0 || !existsSync(config.dataDir)) return null;
  const st = statSync(config.dataDir);
  return st.uid === 0 ? null : { uid: st.uid, gid: st.gid };
}

/** Give the key file to the data dir's owner when run as root. */
function ownLikeDataDir(file: string, config: Config): void {
  const o = dataDirOwner(config);
  if (o) chownSync(file, o.uid, o.gid);
}

/** A key file problem as the officer's error (exit 2), other errors unchanged. */
function asUserError<T>(fn: () => T): T {
  try { return fn(); } catch (err) {
    if (err instanceof BadgeKeyFileError) throw new UserError(err.message);
    throw err;
  }
}

/** Write the key file (`write`), a refusal to write it (not root in root's /etc/pintu) said with what to run. */
function writeKeys<T>(file: string, write: () => T, what: string): T {
  try { return asUserError(write); } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new UserError(`cannot write the badge key file ${file} (${code}): run it as root: sudo pintu badge key ${what}; nothing was changed`);
    throw err;
  }
}

/** The key file's versions, checked (root expects the data dir's owner to own it). */
function readKeys(config: Config): BadgeKeyVersion[] {
  return asUserError(() => readBadgeKeyFile(config.badges.keyFile, dataDirOwner(config)?.uid));
}

/**
 * `pintu setup`, the demo: create the badge key file when there is none and the door has no database yet (a door whose
 * file went missing must get its keys back, not new ones: its enrolled badges would no longer open the door).
 */
export function ensureBadgeKeys(config: Config): void {
  const file = config.badges.keyFile;
  if (existsSync(file) || existsSync(join(config.dataDir, DB_FILE))) return;
  try { createBadgeKeyFile(file); } catch (err) {
    throw new UserError(`cannot create the badge key file: ${(err as Error).message}; create it with: sudo pintu badge key create`);
  }
  ownLikeDataDir(file, config);
  process.stderr.write(`pintu: badge key file created in ${file} (mode 0600); keep a copy apart from the door and its backups\n`);
}

/** Append `badge.key_rotated` to the door's log when the door has a database (as the data dir's owner). */
function recordRotation(cmd: Command, data: { keyVersion: number; previousKeyVersion: number; previousAccepted: boolean }): boolean {
  const config = configOf(cmd);
  if (!existsSync(join(config.dataDir, DB_FILE))) return false;
  try {
    const store = openStore(config);
    try {
      store.tx(() => store.events.append([event('badge.key_rotated', { ...data, by: 'cli' })], Date.now()));
    } finally { store.db.close(); }
  } catch (err) {
    throw new Error(`the badge key file was changed (current version ${data.keyVersion}), but the door's log could not record it: ${(err as Error).message}`);
  }
  return true;
}

/** One version as shown (never its key). */
function shown(v: BadgeKeyVersion, tz: string): { version: number; state: string; createdAt: string; createdLocal: string; opensDoor: boolean } {
  return { version: v.version, state: v.state, createdAt: v.createdAt, createdLocal: formatTime(Date.parse(v.createdAt), tz), opensDoor: v.state !== 'retired' };
}

/** Parse a key version argument (1–255) or refuse naming it. */
function versionArg(text: string): number {
  const n = Number(text);
  if (!/^\d{1,3}$/.test(text.trim()) || !Number.isInteger(n) || n < 1 || n > 255) throw new UserError(`key version "${text}" must be a whole number 1–255 (pintu badge key status lists them)`);
  return n;
}

/** Register `badge key …` under the `badge` command. */
export function badgeKeyCommands(badge: Command): void {
  const key = badge.command('key').description('the site\'s badge master keys (badges.keyFile): every badge\'s AES key is made from one of them');

  key.command('create')
    .description('create the badge key file with key version 1 (a new site; the installer and pintu setup do it): refused when it exists')
    .action(action(function (this: Command) {
      const config = configOf(this, { dataDir: false });
      const file = config.badges.keyFile;
      const made = writeKeys(file, () => createBadgeKeyFile(file), 'create');
      ownLikeDataDir(file, config);
      out(this, { keyFile: file, current: made.version, createdAt: made.createdAt }, () => `badge key version ${made.version} created in ${file} (mode 0600). Keep a copy apart from the door and its backups: badges enrolled with it open nothing without it.`);
    }));

  key.command('status')
    .description('the key versions and their states (current, accepted, retired) with when each was made; never a key')
    .action(action(function (this: Command) {
      const config = configOf(this, { dataDir: false });
      const tz = config.visits.timeZone;
      const versions = readKeys(config);
      const current = versions.find((v) => v.state === 'current')!.version;
      const r = { keyFile: config.badges.keyFile, current, versions: versions.map((v) => shown(v, tz)) };
      const what = { current: 'current: new and re-keyed badges get it', accepted: 'accepted: its badges still open the door', retired: 'retired: refused at the door (re-key or reset its badges at the desk)' } as const;
      out(this, r, () => [
        `badge key file ${r.keyFile} (mode 0600)`,
        ...versions.map((v) => `  version ${String(v.version).padStart(3)}  made ${formatTime(Date.parse(v.createdAt), tz)}  ${what[v.state]}`),
      ].join('\n'));
    }));

  key.command('rotate')
    .description('make a new random key version current; the previous one is retired at once (refused at the door) unless --keep-previous')
    .option('--keep-previous', 'the previous version keeps opening the door until `pintu badge key retire <version>`')
    .action(action(function (this: Command, o: { keepPrevious?: boolean }) {
      const config = configOf(this, { dataDir: false });
      const file = config.badges.keyFile;
      const r = asUserError(() => rotateBadgeKeys(readKeys(config), { keepPrevious: o.keepPrevious === true }));
      // Given to the service user before it is renamed into place: the running door never sees it owned by root.
      writeKeys(file, () => writeBadgeKeyFile(file, r.versions, dataDirOwner(config)), 'rotate');
      const logged = recordRotation(this, { keyVersion: r.version, previousKeyVersion: r.previous, previousAccepted: r.previousAccepted });
      out(this, { keyFile: file, current: r.version, previous: r.previous, previousState: r.previousAccepted ? 'accepted' : 'retired', logged }, () => [
        `badge key version ${r.version} is now current in ${file}; new and re-keyed badges get it`,
        r.previousAccepted
          ? `version ${r.previous} is still accepted: its badges open the door until you re-key them at the desk (pintu badge enroll) and run pintu badge key retire ${r.previous}`
          : `version ${r.previous} is retired: its badges are refused at the door from now on; re-key them at the desk (pintu badge enroll)`,
      ].join('\n'));
    }));

  key.command('retire <version>')
    .description('retire an accepted key version: its badges are refused at the door from now on (re-key them at the desk)')
    .action(action(function (this: Command, text: string) {
      const version = versionArg(text);
      const config = configOf(this, { dataDir: false });
      const file = config.badges.keyFile;
      const versions = readKeys(config);
      const after = asUserError(() => retireBadgeKey(versions, version));
      writeKeys(file, () => writeBadgeKeyFile(file, after, dataDirOwner(config)), `retire ${version}`);
      const current = after.find((v) => v.state === 'current')!.version;
      const logged = recordRotation(this, { keyVersion: current, previousKeyVersion: version, previousAccepted: false });
      out(this, { keyFile: file, current, retired: version, logged }, () => `badge key version ${version} is retired: its badges are refused at the door from now on; re-key them at the desk (pintu badge enroll). Version ${current} stays current.`);
    }));
}

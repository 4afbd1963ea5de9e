/**
 * `pintu privacy key create|status|rotate`: the data-encryption key of the personal fields at rest (issue 14 item 1;
 * `privacy.keyFile`, default /etc/pintu/data.key, outside the data dir, mode 0600, owned by the pintu user).
 *
 * Rotation: a new key is written first in the key file, the old one kept after it (it still opens what it sealed);
 * every sealed value is re-sealed with the new key in small transactions (a stop leaves a readable database: run
 * rotate again and it continues with the same new key); only when no value under an old key remains is the old key
 * moved out of the key file into `<keyFile>.retired-<id>` (needed only to restore backups made before the rotation).
 * As root, the database part runs as the data dir's owner in a child process (the key file lives in root's /etc/pintu).
 */
import { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, statSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { UserError } from '../domain/errors.js';
import { createDataKeyFile, readDataKeyFile, writeDataKeyFile, newDataKey } from '../adapters/os/data-key-file.js';
import { realProcessEnv } from '../adapters/os/system.js';
import { refuseWhileDaemonRuns } from '../app/daemon-check.js';
import { DB_FILE, openStore } from '../main.js';
import { join } from 'node:path';
import { action, configOf, globals, out } from './context.js';

/** Give `file` to the data dir's owner when run as root (the daemon, as user pintu, must read it). */
function ownLikeDataDir(file: string, config: Config): void {
  if (process.getuid?.() !== 0 || !existsSync(config.dataDir)) return;
  const st = statSync(config.dataDir);
  if (st.uid !== 0) chownSync(file, st.uid, st.gid);
}

/**
 * `pintu setup` on a door the installer did not prepare: create the data key when there is none and the database holds
 * no data yet (a door with data whose key is missing must get its key back, not a new one: opening then says so).
 */
export function ensureDataKey(config: Config): void {
  if (!config.privacy.encryptAtRest || existsSync(config.privacy.keyFile) || existsSync(join(config.dataDir, DB_FILE))) return;
  try { createDataKeyFile(config.privacy.keyFile); } catch (err) {
    throw new UserError(`cannot create the data key file: ${(err as Error).message}; create it with: sudo pintu privacy key create`);
  }
  ownLikeDataDir(config.privacy.keyFile, config);
  process.stderr.write(`pintu: data key created in ${config.privacy.keyFile} (mode 0600); keep a copy apart from the door and its backups\n`);
}

/** The database's key usage and rows in clear, after re-sealing everything with the key file's first key. */
interface ResealResult { resealed: number; usage: Record<string, number> }

/** Re-seal in this process (as the data dir's owner: `configOf` drops root). Refused while the daemon runs (it holds the old key ring). */
function resealHere(cmd: Command): ResealResult {
  const config = configOf(cmd);
  const store = openStore(config);
  try {
    refuseWhileDaemonRuns(store, 'privacy key rotate', realProcessEnv());
    const resealed = store.resealAll();
    return { resealed, usage: store.keyUsage() };
  } finally {
    store.db.close();
  }
}

/** Register `privacy key …`. */
export function privacyCommands(program: Command): void {
  const key = program.command('privacy').description('personal data protection (UU PDP 27/2022)')
    .command('key').description('the data-encryption key of visitors\' personal fields at rest (privacy.keyFile)');

  key.command('create')
    .description('create the data key file (a new door; the installer and pintu setup do it): refused when it exists')
    .action(action(function (this: Command) {
      const config = configOf(this, { dataDir: false });
      const file = config.privacy.keyFile;
      let k;
      try { k = createDataKeyFile(file); } catch (err) { throw new UserError((err as Error).message); }
      ownLikeDataDir(file, config);
      out(this, { keyFile: file, keyId: k.id }, () => `data key ${k.id} created in ${file} (mode 0600). Keep a copy apart from the door and its backups: without it their visitors' personal data cannot be read.`);
    }));

  key.command('status')
    .description('the key file\'s keys and which of them the database\'s sealed values use')
    .action(action(function (this: Command) {
      const config = configOf(this);
      const keys = readDataKeyFile(config.privacy.keyFile);
      const store = openStore(config);
      let usage: Record<string, number>;
      try { usage = store.keyUsage(); } finally { store.db.close(); }
      const r = { keyFile: config.privacy.keyFile, encryptAtRest: config.privacy.encryptAtRest, keys: keys.map((k, i) => ({ id: k.id, use: i === 0 ? 'seals' : 'opens only (rotation not finished)' })), usage };
      out(this, r, () => [
        `key file ${r.keyFile}${r.encryptAtRest ? '' : ' (privacy.encryptAtRest is off: new values are written in clear)'}`,
        ...r.keys.map((k) => `  key ${k.id}: ${k.use}`),
        `sealed values in the database by key: ${Object.entries(usage).map(([id, n]) => `${id} ${n}`).join(', ') || 'none'}`,
        ...(r.keys.length > 1 ? ['a rotation is unfinished: run pintu privacy key rotate again'] : []),
      ].join('\n'));
    }));

  key.command('reseal', { hidden: true })
    .description('re-seal every value with the key file\'s first key (the database part of rotate)')
    .action(action(function (this: Command) {
      const r = resealHere(this);
      process.stdout.write(JSON.stringify(r) + '\n');
    }));

  key.command('rotate')
    .description('re-encrypt every personal field with a new key (the daemon must be stopped); run again to resume')
    .action(action(function (this: Command) {
      const config = configOf(this, { dataDir: false });
      const file = config.privacy.keyFile;
      let keys = readDataKeyFile(file);
      if (keys.length === 1) {
        keys = [newDataKey(), ...keys];
        writeDataKeyFile(file, keys);
        ownLikeDataDir(file, config);
      }
      const current = keys[0]!;
      let r: ResealResult;
      if (process.getuid?.() === 0) {
        // Root keeps root for the key file; the database is worked on as its owner, in a child.
        const child = spawnSync(process.execPath, [process.argv[1]!, '--config', globals(this).config, 'privacy', 'key', 'reseal'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        if (child.status !== 0) throw new Error(`${child.stderr.trim().replace(/^pintu: (error: )?/, '')} (the new key ${current.id} is first in ${file}; run pintu privacy key rotate again to continue)`);
        r = JSON.parse(child.stdout) as ResealResult;
      } else {
        r = resealHere(this);
      }
      const left = Object.entries(r.usage).filter(([id]) => id !== current.id);
      if (left.length) throw new Error(`values sealed with ${left.map(([id, n]) => `${id} (${n})`).join(', ')} remain; run pintu privacy key rotate again`);
      const retired: string[] = [];
      for (const old of keys.slice(1)) {
        const f = `${file}.retired-${old.id}`;
        writeDataKeyFile(f, [old]);
        ownLikeDataDir(f, config);
        retired.push(f);
      }
      writeDataKeyFile(file, [current]);
      ownLikeDataDir(file, config);
      out(this, { keyFile: file, keyId: current.id, resealed: r.resealed, retired }, () => [
        `every personal field is now sealed with key ${current.id} (${r.resealed} values re-sealed; the old ciphertexts are overwritten in the file and its WAL)`,
        ...retired.map((f) => `the old key is kept in ${f}: it opens only backups made before now; delete it once those backups are gone`),
      ].join('\n'));
    }));
}

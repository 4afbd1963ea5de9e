/**
 * The data-encryption key file (`privacy.keyFile`, default /etc/pintu/data.key): outside the data dir, so a copied
 * SD card's data partition or a backup file reveals no personal data without it. Mode 0600, owned by the service user.
 * One base64 AES-256 key a line: the first seals new values, the others (during a rotation) only open old ones.
 * Losing the file loses the personal fields of every visit: the installer tells the operator to keep a copy apart.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { dataKey, type DataKey } from '../sqlite/field-cipher.js';

const HEADER = '# pintu data-encryption key (privacy.keyFile): AES-256, base64, one a line; the first seals, the others only open (key rotation).\n'
  + '# Keep mode 0600. Keep a copy apart from the database and its backups: without it their personal fields cannot be read.\n';

/** Read the keys of a key file, refusing a missing, damaged or group/world-readable file with what to do. */
export function readDataKeyFile(file: string): DataKey[] {
  if (!existsSync(file)) {
    throw new Error(`data key file ${file} does not exist: create it with \`pintu privacy key create\` (a new door), or put back the copy you kept (a door with data: without it the visitors' personal data cannot be read)`);
  }
  const st = statSync(file);
  if (!st.isFile()) throw new Error(`data key file ${file} is not a file`);
  if ((st.mode & 0o077) !== 0) {
    throw new Error(`data key file ${file} has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}, readable by others than its owner: run \`chmod 600 ${file}\` (and chown it to the pintu user)`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read data key file ${file}: ${(err as Error).message} (run pintu as the user owning it)`);
  }
  const keys: DataKey[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const key = Buffer.from(line, 'base64');
    if (!/^[A-Za-z0-9+/]{43}=$/.test(line) || key.length !== 32) {
      throw new Error(`data key file ${file} line ${i + 1} is not a base64 32-byte key; put back the copy you kept`);
    }
    keys.push(dataKey(key));
  }
  if (keys.length === 0) throw new Error(`data key file ${file} holds no key; put back the copy you kept, or create one with \`pintu privacy key create\` (a new door)`);
  return keys;
}

/** Write `keys` to `file` atomically (a temp file, fsync, rename), mode 0600. */
export function writeDataKeyFile(file: string, keys: readonly DataKey[]): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o750 });
  const tmp = `${file}.new`;
  // A temp file left behind (a crash, an editor) keeps its own mode under 'w': remove it and create ours 0600 ('wx').
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, HEADER + keys.map((k) => `${k.key.toString('base64')}\n`).join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** A new random data key. */
export function newDataKey(): DataKey {
  return dataKey(randomBytes(32));
}

/** Create `file` with a new key; refuses when it exists (a key in use is never replaced: rotate it). */
export function createDataKeyFile(file: string): DataKey {
  if (existsSync(file)) throw new Error(`data key file ${file} exists already; \`pintu privacy key rotate\` replaces a key`);
  mkdirSync(dirname(file), { recursive: true, mode: 0o750 });
  const key = newDataKey();
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, `${HEADER}${key.key.toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return key;
}

/**
 * `sudo pintu …` must not leave root-owned files (pintu.db after a restore, site.secret, WAL/SHM, door.key) that the
 * daemon, running as user pintu, can then no longer open. A CLI started as root on a data dir owned by another user
 * therefore becomes that user before it opens anything: supplementary groups (gpio, dialout) from the user's entry,
 * then the group, then the user (in that order: after setuid the group can no longer be changed).
 */
import { readFileSync, statSync } from 'node:fs';

/** What the drop needs from the process (tests may pass a fake). */
export interface ProcessIds {
  /** Real user id. */
  getuid(): number;
  /** Set supplementary groups from the user database. */
  initgroups(user: string | number, extraGroup: string | number): void;
  /** Set supplementary groups. */
  setgroups(groups: number[]): void;
  /** Set the group id. */
  setgid(id: number): void;
  /** Set the user id. */
  setuid(id: number): void;
}

/** The user with `uid` in /etc/passwd: name and primary group, or null. */
function passwdEntry(uid: number, passwdFile: string): { name: string; gid: number } | null {
  try {
    for (const line of readFileSync(passwdFile, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 4 && Number(f[2]) === uid && f[2] !== '') return { name: f[0]!, gid: Number(f[3]) };
    }
  } catch { /* no passwd file: use the directory's group */ }
  return null;
}

/**
 * When running as root and `dataDir` is an existing directory owned by a non-root user, become that user.
 * Returns the uid and gid dropped to, or null when nothing changed.
 */
export function dropToDataDirOwner(dataDir: string, proc: ProcessIds | null = hasIds(process) ? process : null, passwdFile = '/etc/passwd'): { uid: number; gid: number } | null {
  if (!proc || proc.getuid() !== 0) return null;
  let st;
  try { st = statSync(dataDir); } catch { return null; }
  if (!st.isDirectory() || st.uid === 0) return null;
  const pw = passwdEntry(st.uid, passwdFile);
  const gid = pw?.gid ?? st.gid;
  if (pw) proc.initgroups(pw.name, gid);
  else proc.setgroups([gid]);
  proc.setgid(gid);
  proc.setuid(st.uid);
  if (proc.getuid() !== st.uid) throw new Error(`could not become uid ${st.uid}, the owner of ${dataDir}`);
  return { uid: st.uid, gid };
}

function hasIds(p: NodeJS.Process): p is NodeJS.Process & ProcessIds {
  const q = p as Partial<ProcessIds>;
  return typeof q.getuid === 'function' && typeof q.setuid === 'function' && typeof q.initgroups === 'function';
}

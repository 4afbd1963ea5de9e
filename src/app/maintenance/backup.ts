/**
 * The nightly backup: once per local day, after the configured hour, into dataDir/backups as
 * `pintu-YYYYMMDD-HHMMSS.db`, keeping the newest `keep`. The copy itself (online, paced, verified) and the files are
 * the store's (`BackupRepository`, `src/adapters/sqlite/backup.ts`).
 */
import { basename, join } from 'node:path';
import type { BackupRepository, BackupResult } from '../../ports/store.js';
import { localDate } from '../../domain/time.js';

/** Sub-directory of the data dir holding the nightly backups. */
export const BACKUP_DIR = 'backups';

/** Take tonight's backup if the local hour is reached and none exists for today's local date; rotate. Null when not due. */
export async function nightlyBackup(backups: BackupRepository, dir: string, o: { keep: number; hour: number; timeZone: string; now: number }): Promise<(BackupResult & { removed: string[] }) | null> {
  if (o.keep <= 0) return null;
  const day = localDate(o.now, o.timeZone);
  const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: o.timeZone, hour: '2-digit', hourCycle: 'h23' }).format(o.now));
  if (hour < o.hour) return null;
  if (backups.nightlyBackups(dir).some((f) => basename(f).startsWith(`pintu-${day}-`))) return null;
  const hms = new Intl.DateTimeFormat('en-GB', { timeZone: o.timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(o.now).replace(/:/g, '');
  const r = await backups.backupTo(join(dir, `pintu-${day}-${hms}.db`));
  return { ...r, removed: await backups.rotateBackups(dir, o.keep) };
}

/**
 * The checklist items SOP 002's inventory asks for besides the door itself (issue 16, item 7): is the daemon running,
 * the nightly backup fresh, pcscd and the desk readers there, the SD card / eMMC worn, the UPS on mains, and which
 * software runs. Pure judgements over readings the checklist passes in (files come through `SystemEnv`, so tests give an
 * emulated /sys tree).
 */
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../domain/time.js';
import type { StoredEvent } from '../../ports/store.js';
import type { SystemEnv } from '../../ports/system.js';
import type { HealthItem } from './probes.js';
import type { DaemonState } from '../daemon-check.js';

/** pcscd's socket, as libpcsclite finds it (socket-activated: present even while pcscd itself sleeps). */
export const PCSCD_SOCKET = 'run/pcscd/pcscd.comm';

const ago = (ms: number): string => (ms >= DAY_MS ? `${Math.floor(ms / DAY_MS)} d` : ms >= HOUR_MS ? `${Math.floor(ms / HOUR_MS)} h` : `${Math.floor(ms / MINUTE_MS)} min`);

/** The `daemon` item: anything but running fails (the door reads no badge). */
export function daemonItem(state: DaemonState, pid: number | null): HealthItem {
  switch (state) {
    case 'running': return { item: 'daemon', status: 'ok', value: 'running', detail: `running${pid !== null ? ` (pid ${pid})` : ''}` };
    case 'not responding': return { item: 'daemon', status: 'fail', value: state, detail: `pid ${pid ?? '?'} is alive but writes no heartbeat: its event loop is stuck (systemd's watchdog restarts it; journalctl -u pintu)` };
    case 'crashed': return { item: 'daemon', status: 'fail', value: state, detail: 'not running: it did not stop cleanly (journalctl -u pintu); badges are not read: sudo systemctl start pintu' };
    case 'not running': return { item: 'daemon', status: 'fail', value: state, detail: 'not running: badges are not read (sudo systemctl start pintu)' };
  }
}

/** Nightly backup settings as the checklist sees them. */
export interface BackupSettings {
  /** Copies kept (0: nightly backups off). */
  keep: number;
  /** Local hour after which the nightly backup runs. */
  hour: number;
}

/**
 * The `backup` item from the log: the newest `backup.made` (nightly or manual) and any `alarm.backup` after it.
 * Fresh within 26 h: ok; older: warn; older than 3 days, or the last attempt failed: fail. None yet: warn while the log
 * is younger than 2 days (the first night has not come), else fail. Nightly backups off: warn.
 */
export function backupItem(newest: { made: StoredEvent | null; failed: StoredEvent | null; firstEventAt: number | null }, s: BackupSettings, now: number): HealthItem {
  const madeAt = newest.made ? Date.parse(newest.made.at) : null;
  const failedAt = newest.failed ? Date.parse(newest.failed.at) : null;
  if (failedAt !== null && (madeAt === null || failedAt > madeAt)) {
    return { item: 'backup', status: 'fail', value: madeAt === null ? null : ago(now - madeAt), detail: `the last backup failed ${ago(now - failedAt)} ago: ${String(newest.failed!.data.error ?? '?').slice(0, 120)}; check free disk space (pintu backup FILE to retry)` };
  }
  if (s.keep === 0) {
    return { item: 'backup', status: 'warn', value: madeAt === null ? null : ago(now - madeAt), detail: `nightly backups are off (backup.keep: 0)${madeAt !== null ? `; last backup ${ago(now - madeAt)} ago` : ''}: copy the database off the Pi with pintu backup FILE` };
  }
  if (madeAt === null) {
    const young = newest.firstEventAt === null || now - newest.firstEventAt < 2 * DAY_MS;
    return { item: 'backup', status: young ? 'warn' : 'fail', value: null, detail: young ? `no backup yet: the first nightly backup runs after ${String(s.hour).padStart(2, '0')}:00 local time` : `no backup at all though the log is ${ago(now - newest.firstEventAt!)} old: the nightly backup does not run (journalctl -u pintu)` };
  }
  const age = now - madeAt;
  const detail = `last backup ${ago(age)} ago (${String(newest.made!.data.file ?? '')}, ${String(newest.made!.data.trigger ?? '')})`;
  if (age > 3 * DAY_MS) return { item: 'backup', status: 'fail', value: ago(age), detail: `${detail}: the nightly backup has not run for days` };
  if (age > 26 * HOUR_MS) return { item: 'backup', status: 'warn', value: ago(age), detail: `${detail}: last night's backup is missing` };
  return { item: 'backup', status: 'ok', value: ago(age), detail };
}

/** A configured reader as the device items see it. */
export interface ReaderDevice {
  /** Reader id. */
  id: string;
  /** `serial`, `pcsc` or `sim`. */
  kind: string;
  /** Serial device path (serial), or PC/SC reader name part (pcsc). */
  path?: string;
}

/** `pcscd` (when any reader is PC/SC) and one `desk-reader:<id>` per desk reader: is what it needs there? */
export function deviceItems(env: SystemEnv, readers: { door: ReaderDevice[]; desk: ReaderDevice[] }): HealthItem[] {
  const items: HealthItem[] = [];
  const pcsc = [...readers.door, ...readers.desk].filter((r) => r.kind === 'pcsc');
  const socket = env.exists(PCSCD_SOCKET);
  if (pcsc.length) {
    items.push(socket
      ? { item: 'pcscd', status: 'ok', value: true, detail: `pcscd's socket /${PCSCD_SOCKET} is there (reader ${pcsc.map((r) => r.id).join(', ')})` }
      : { item: 'pcscd', status: 'fail', value: false, detail: `no /${PCSCD_SOCKET}: pcscd is not installed or its socket is off (sudo apt-get install pcscd; sudo systemctl enable --now pcscd.socket); reader ${pcsc.map((r) => r.id).join(', ')} cannot work` });
  }
  for (const r of readers.desk) {
    const item = `desk-reader:${r.id}`;
    if (r.kind === 'sim') items.push({ item, status: 'ok', value: 'sim', detail: 'simulated desk reader' });
    else if (r.kind === 'pcsc') items.push(socket ? { item, status: 'ok', value: 'pcsc', detail: `PC/SC${r.path ? ` reader "${r.path}"` : ''} through pcscd` } : { item, status: 'fail', value: 'pcsc', detail: 'pcscd is not reachable: the desk cannot read KTPs or badges' });
    else {
      const dev = r.path ?? '';
      items.push(dev && env.exists(dev.replace(/^\/+/, ''))
        ? { item, status: 'ok', value: dev, detail: `serial device ${dev} present` }
        : { item, status: 'fail', value: dev || null, detail: `serial device ${dev || '(no path)'} missing: is the reader plugged in (udev rules: /dev/pintu-reader-*)?` });
    }
  }
  return items;
}

/** JEDEC life_time estimates (EXT_CSD 268/269): 0x01..0x0A = 0-10 % .. 90-100 % of the rated life used, 0x0B = exceeded. */
function lifeUsed(code: number): string {
  return code >= 0x0b ? 'more than 100 %' : `${(code - 1) * 10}-${code * 10} %`;
}

/**
 * `storage-wear` of the boot card/eMMC (`sys/block/<dev>/device/life_time`, `pre_eol_info`, where the card reports
 * them; most SD cards do not, eMMC does): ≥ 70 % of its life used or pre-EOL "warning" → warn; ≥ 90 % or "urgent" → fail.
 * Not reported: ok, saying so (never a permanent warning for a card that cannot tell).
 */
export function storageWear(env: SystemEnv, dev = 'mmcblk0'): HealthItem {
  const base = `sys/block/${dev}/device`;
  const life = env.readText(`${base}/life_time`)?.trim() ?? null;
  const eol = env.readText(`${base}/pre_eol_info`)?.trim() ?? null;
  const codes = life?.split(/\s+/).map((h) => Number.parseInt(h, 16)).filter((n) => Number.isInteger(n) && n >= 1 && n <= 0x0b) ?? [];
  const eolCode = eol === null ? NaN : Number.parseInt(eol, 16);
  if (!codes.length && !(eolCode >= 1 && eolCode <= 3)) {
    const present = env.exists(`sys/block/${dev}`);
    return { item: 'storage-wear', status: 'ok', value: null, detail: present ? `${dev} does not report its wear (most SD cards do not; an industrial card or eMMC does): not checked` : `no ${dev} (booted from USB/NVMe): not checked` };
  }
  const worst = codes.length ? Math.max(...codes) : 0;
  const parts = [...(codes.length ? [`${lifeUsed(worst)} of its rated life used (life_time ${life})`] : []), ...(eolCode >= 1 && eolCode <= 3 ? [`reserved blocks ${['normal', 'warning (80 % used)', 'urgent (90 % used)'][eolCode - 1]}`] : [])];
  const detail = `${dev}: ${parts.join(', ')}`;
  if (worst >= 0x0a || eolCode === 3) return { item: 'storage-wear', status: 'fail', value: worst || null, detail: `${detail}: replace the card now (restore the last backup onto a new one)` };
  if (worst >= 0x08 || eolCode === 2) return { item: 'storage-wear', status: 'warn', value: worst || null, detail: `${detail}: plan a new card` };
  return { item: 'storage-wear', status: 'ok', value: worst || null, detail };
}

/** The UPS's mains signal as the daemon last wrote it (`present` null: could not be read). */
export interface MainsReading {
  /** Mains present (true) or on battery (false); null when the input could not be read. */
  present: boolean | null;
  /** Since when (ms), as the daemon saw it change. */
  since: number;
}

/** `ups-mains` (only where `gpio.mains` is wired): on battery fails, unknown warns. */
export function mainsItem(reading: MainsReading | null | undefined, daemonRunning: boolean, now: number): HealthItem {
  if (!daemonRunning) return { item: 'ups-mains', status: 'warn', value: null, detail: 'daemon not running: the UPS mains input is not watched' };
  if (!reading || reading.present === null) return { item: 'ups-mains', status: 'warn', value: null, detail: 'the daemon has not reported the UPS mains input (gpio.mains)' };
  return reading.present
    ? { item: 'ups-mains', status: 'ok', value: true, detail: `mains present (for ${ago(now - reading.since)})` }
    : { item: 'ups-mains', status: 'fail', value: false, detail: `on battery for ${ago(now - reading.since)}: mains power is off at the UPS; the door runs until the battery is empty` };
}

/** The software as the checklist sees it. */
export interface SoftwareFacts {
  /** The installed pintu version (package.json on disk now), or null. */
  installed: string | null;
  /** The version the running daemon started with (null: unknown / not running). */
  running: string | null;
  /** Node.js version. */
  node: string;
  /** Hardware and OS in one line, or null. */
  os: string | null;
}

/** `software`: the versions for the inventory; a daemon still running an older version than installed warns (restart it). */
export function softwareItem(s: SoftwareFacts): HealthItem {
  const detail = `pintu ${s.installed ?? '?'}, Node.js ${s.node}${s.os ? `, ${s.os}` : ''}`;
  if (s.installed === null) return { item: 'software', status: 'warn', value: null, detail: `${detail}: pintu's package.json cannot be read` };
  if (s.running !== null && s.running !== s.installed) return { item: 'software', status: 'warn', value: s.installed, detail: `${detail}; the daemon still runs ${s.running}: sudo systemctl restart pintu` };
  return { item: 'software', status: 'ok', value: s.installed, detail };
}

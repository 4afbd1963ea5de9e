/**
 * The SOP 002 health checklist of the door controller: readers, relay and door inputs, database, disk, central link,
 * clock, CPU temperature, throttling, uptime and restarts. Run by `pintu health` and on a schedule in the daemon;
 * each run is stored as a `health.report` event and every failing item also as an `alarm.health` event.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS, formatTime } from '../../domain/time.js';
import type { ReaderHealth } from '../../ports/hardware.js';
import type { BadgeKeyFileStatus } from '../../ports/badge-keys.js';
import type { DatabaseCheckRepository, DbCheckResult, DoorStatusRepository, EventLogPort, LinkStatusRepository, MetaRepository, RetentionRepository, SecureBadgeRepository, StoredEvent, Transactions } from '../../ports/store.js';
import type { SystemEnv } from '../../ports/system.js';
import { BUILD_DATE_MS } from '../clock.js';
import { RTC_TRUST_KEY } from '../rtc-trust.js';
import { clockItem, cpuTemperature, diskFree, systemUptimeSeconds, throttling, type HealthItem } from './probes.js';
import { event } from '../../domain/events.js';
import type { DaemonState } from '../daemon-check.js';
import { backupItem, daemonItem, deviceItems, mainsItem, softwareItem, storageWear, type BackupSettings, type MainsReading, type ReaderDevice, type SoftwareFacts } from './inventory.js';
import { healthFactSchema, type HealthFact } from '../../protocol/messages.js';

/** Meta key under which the daemon keeps its readers' health for the CLI. */
export const READER_HEALTH_KEY = 'health.readers';
/** Meta key of the last health run (ms). */
export const LAST_HEALTH_KEY = 'health.lastRunAt';
/** Meta key of the version the running daemon started with (written by `pintu run`). */
export const DAEMON_VERSION_KEY = 'daemon.version';
/** Meta key of the last run's summary, as the status message tells the centre (JSON `HealthFact`). */
export const HEALTH_SUMMARY_KEY = 'health.summary';

/** What the checklist reads (and, to record a report, writes) in the store. */
export type ChecklistStore = { readonly events: EventLogPort } & DoorStatusRepository & MetaRepository & LinkStatusRepository & DatabaseCheckRepository
  & Pick<SecureBadgeRepository, 'secureBadges'> & Pick<RetentionRepository, 'eventsOfType'>;

/** What recording a report writes to: the log and the last-run meta key, in one transaction. */
export type ReportStore = { readonly events: EventLogPort } & MetaRepository & Pick<Transactions, 'tx'>;

/** Readers' health as the daemon last wrote it. */
export interface ReaderHealthSnapshot {
  /** When written (ms). */
  at: number;
  /** One entry per door reader. */
  readers: ReaderHealth[];
  /** The UPS's mains input, where wired (`gpio.mains`). */
  mains?: MainsReading;
}

/** Save the readers' health (called by the daemon with its heartbeat). */
export function saveReaderHealth(store: MetaRepository, readers: ReaderHealth[], at: number, mains?: MainsReading): void {
  store.setMeta(READER_HEALTH_KEY, JSON.stringify({ at, readers, ...(mains ? { mains } : {}) } satisfies ReaderHealthSnapshot));
}

/** The readers' health as last saved, or null. */
export function loadReaderHealth(store: MetaRepository): ReaderHealthSnapshot | null {
  const raw = store.meta(READER_HEALTH_KEY);
  try { return raw ? (JSON.parse(raw) as ReaderHealthSnapshot) : null; } catch { return null; }
}

/** What the checklist needs besides the store and the system. */
export interface ChecklistOptions {
  /** Ids of the configured door readers (not desk readers). */
  readerIds: string[];
  /** Data dir (for free disk). */
  dataDir: string;
  /** A reader not heard from for this many days is a warning. */
  readerSilentDays: number;
  /** The central link is configured. */
  central: boolean;
  /** Is the daemon running (its pid, or null)? */
  daemonPid: number | null;
  /** Earliest believable time (default the build date). */
  buildDate?: number;
  /** A database check (quick_check and the whole hash chain) already made, e.g. in a worker thread by the daemon; default: made here. */
  databaseCheck?: DbCheckResult;
  /** Secure badges (issue 15): the `badge-keys` and `badge-readers` items; absent: neither item. */
  badges?: BadgeChecks;
  /** Why the door does not trust its clock whatever its source (the clock guard's `faults()`: set back, jumped); absent: none known. */
  clockFaults?: () => string[];
  /** What is known of the daemon (`pintu health`: pid and heartbeat); absent: running when `daemonPid` is set. */
  daemonState?: DaemonState;
  /** Nightly backup settings: the `backup` item (absent: not checked). */
  backup?: BackupSettings;
  /** The readers' kinds and devices: the `pcscd` and `desk-reader:<id>` items (absent: not checked). */
  devices?: { door: ReaderDevice[]; desk: ReaderDevice[] };
  /** `gpio.mains` is wired: the `ups-mains` item. */
  mains?: boolean;
  /** The boot card's block device (e.g. mmcblk0): the `storage-wear` item (absent: not checked). */
  storageDevice?: string;
  /** Installed versions, Node.js and OS: the `software` item (absent: not checked). */
  software?: () => Omit<SoftwareFacts, 'running'>;
}

/** What the badge items check. */
export interface BadgeChecks {
  /** Each door reader (not desk) and whether it authenticates cards (`readers[].secure`). */
  readers: { id: string; direction: string; secure: false | string }[];
  /** `badges.visitorsNeedSecureReader`: visitors' taps refused at readers that read only a UID. */
  visitorsNeedSecureReader: boolean;
  /** The desk readers and whether each authenticates cards: one that does not cannot tell a returned secure badge from a copy of its UID (absent: not checked). */
  deskReaders?: { id: string; secure: false | string }[];
  /** The badge key file as it is at the time of the run (the root inspects it; no key material). */
  keyFile: () => BadgeKeyFileStatus;
}

/** A whole checklist run. */
export interface HealthReport {
  /** When it ran (ISO). */
  at: string;
  /** Door id. */
  door: string;
  /** Worst status of all items. */
  status: 'ok' | 'warn' | 'fail';
  /** Items by status. */
  counts: { ok: number; warn: number; fail: number };
  /** Every item. */
  items: HealthItem[];
}

const ago = (ms: number): string => (ms >= DAY_MS ? `${Math.floor(ms / DAY_MS)} d` : ms >= HOUR_MS ? `${Math.floor(ms / HOUR_MS)} h` : `${Math.floor(ms / MINUTE_MS)} min`);

function readerItems(store: MetaRepository, o: ChecklistOptions, now: number): HealthItem[] {
  const snap = loadReaderHealth(store);
  return o.readerIds.map((id): HealthItem => {
    const item = `reader:${id}`;
    if (o.daemonPid === null) return { item, status: 'warn', value: null, detail: 'daemon not running: reader state unknown' };
    const h = snap?.readers.find((r) => r.id === id);
    if (!h) return { item, status: 'fail', value: null, detail: 'the daemon reports no such reader' };
    if (!h.open) return { item, status: 'fail', value: 'closed', detail: `device not open${h.lastError ? `: ${h.lastError}` : ''}` };
    const heard = h.lastHeardAt;
    const extra = h.rejectedFrames ? `, ${h.rejectedFrames} bad frames` : '';
    if (heard === null) return { item, status: 'warn', value: 'open', detail: `open, nothing heard since the daemon started${extra}` };
    const silent = now - heard;
    if (silent > o.readerSilentDays * DAY_MS) return { item, status: 'warn', value: 'open', detail: `open, silent for ${ago(silent)} (check with a test card)${extra}` };
    return { item, status: 'ok', value: 'open', detail: `open, last heard ${ago(silent)} ago${extra}` };
  });
}

function doorItems(store: DoorStatusRepository, o: ChecklistOptions, now: number): HealthItem[] {
  const s = store.doorStatus();
  if (o.daemonPid === null) return [{ item: 'door', status: 'warn', value: null, detail: 'daemon not running: relay and door switch not watched' }];
  const relay: HealthItem = s.locked
    ? { item: 'relay', status: 'ok', value: 'off', detail: 'strike relay off (locked)' }
    : { item: 'relay', status: 'warn', value: 'on', detail: 'strike relay on at the time of the check (a grant in progress, or stuck: check again)' };
  let door: HealthItem;
  if (s.open === null) door = { item: 'door-switch', status: 'warn', value: null, detail: 'door position unknown' };
  else if (!s.open) door = { item: 'door-switch', status: 'ok', value: 'closed', detail: 'closed' };
  else {
    const since = s.openSince === null ? null : now - s.openSince;
    door = since !== null && since >= DAY_MS
      ? { item: 'door-switch', status: 'warn', value: 'open', detail: `open for ${ago(since)}: door propped open, or the reed switch / magnet is misaligned or broken` }
      : { item: 'door-switch', status: 'ok', value: 'open', detail: `open${since !== null ? ` for ${ago(since)}` : ''}` };
  }
  return [relay, door];
}

/** The `database` (SQLite quick_check) and `event-chain` (hash chain of every event) items of a database check. */
export function databaseItems(r: DbCheckResult): HealthItem[] {
  if (r.error !== null || r.integrity === null) {
    return [{ item: 'database', status: 'fail', value: null, detail: `quick_check failed: ${r.error ?? 'not run'}` }];
  }
  const msgs = r.integrity;
  if (msgs.length !== 1 || msgs[0] !== 'ok') {
    return [
      { item: 'database', status: 'fail', value: msgs.length, detail: `quick_check: ${msgs.slice(0, 3).join('; ')}: restore the last good backup (pintu restore)` },
      { item: 'event-chain', status: 'warn', value: null, detail: 'not checked: the database failed quick_check' },
    ];
  }
  const broken = r.chains.filter((c) => c.problem !== null).map((c) => `door ${c.door}: ${c.problem}`);
  const events = r.chains.reduce((n, c) => n + c.lastSeq - c.from, 0);
  return [
    { item: 'database', status: 'ok', value: 'ok', detail: 'PRAGMA quick_check ok' },
    broken.length
      ? { item: 'event-chain', status: 'fail', value: false, detail: `hash chain does not verify (${broken.join('; ')}): events were altered outside pintu; keep this database for investigation, tell the central office, and restore a backup whose chain verifies` }
      : { item: 'event-chain', status: 'ok', value: true, detail: `hash chain verifies (${events} events)` },
  ];
}

/** The badge key file: ok when usable; missing, loose or malformed fails where a reader authenticates badges, else warns. */
function badgeKeyItem(b: BadgeChecks): HealthItem {
  const k = b.keyFile();
  if (k.state === 'ok') return { item: 'badge-keys', status: 'ok', value: k.current, detail: k.detail };
  const secure = b.readers.filter((r) => r.secure !== false).map((r) => r.id);
  return secure.length
    ? { item: 'badge-keys', status: 'fail', value: k.state, detail: `${k.detail} (reader ${secure.join(', ')} authenticates badges with it)` }
    : { item: 'badge-keys', status: 'warn', value: k.state, detail: `${k.detail} (no reader authenticates badges yet)` };
}

/** Door readers that read only a UID (EM4100, `secure: false`): a warning naming them, and what visitors get there. */
function badgeReaderItem(b: BadgeChecks, enrolled: () => number): HealthItem {
  const item = doorReaderItem(b);
  const plainDesks = (b.deskReaders ?? []).filter((r) => r.secure === false);
  if (!plainDesks.length) return item;
  const count = enrolled();
  if (count === 0) return item;
  // A desk reader of UIDs only takes a copy of an enrolled badge's UID back as the badge (the genuine one kept): it cannot verify.
  const desk = `desk reader ${plainDesks.map((r) => r.id).join(', ')} (secure: false) cannot verify returned secure badges (${count} enrolled): a copy of a badge's UID is taken back as the badge; configure it secure: ntag424 (docs/badges.md, section 5)`;
  return item.status === 'ok'
    ? { item: 'badge-readers', status: 'warn', value: plainDesks.length, detail: desk }
    : { ...item, detail: `${item.detail}; ${desk}` };
}

/** The door readers' part of the `badge-readers` item. */
function doorReaderItem(b: BadgeChecks): HealthItem {
  const insecure = b.readers.filter((r) => r.secure === false);
  const rule = b.visitorsNeedSecureReader
    ? 'visitors are refused there (badges.visitorsNeedSecureReader: true)'
    : 'visitors are granted there too (badges.visitorsNeedSecureReader: false)';
  if (!insecure.length) {
    return { item: 'badge-readers', status: 'ok', value: 0, detail: `every door reader authenticates badges (${b.readers.map((r) => `${r.id}: ${String(r.secure)}`).join(', ') || 'no door reader'}); badges.visitorsNeedSecureReader: ${b.visitorsNeedSecureReader}` };
  }
  const noVisitorIn = b.visitorsNeedSecureReader && !b.readers.some((r) => r.direction === 'in' && r.secure !== false);
  return {
    item: 'badge-readers', status: 'warn', value: insecure.length,
    detail: `reader ${insecure.map((r) => r.id).join(', ')} (secure: false): badges read here can be copied (UID only / EM4100); ${rule}${noVisitorIn ? '; no in-reader authenticates badges, so no visitor can be let in' : ''}`,
  };
}

function centralItem(store: ChecklistStore, now: number): HealthItem {
  const last = store.events.lastSeq();
  const link = store.linkStatus();
  if (!link.recorded) return { item: 'central-link', status: 'warn', value: null, detail: 'link state not recorded by this version' };
  const r = link.row;
  const backlog = last - (r?.ackedSeq ?? 0);
  const since = r?.ackedAt ? now - r.ackedAt : null;
  const detail = `${r?.connected ? 'connected' : 'not connected'}, ${backlog} events unacknowledged${since !== null ? `, last ack ${ago(since)} ago` : ''}`;
  if (backlog > 0 && (since === null || since > 7 * DAY_MS)) return { item: 'central-link', status: 'fail', value: backlog, detail };
  if (!r?.connected || (backlog > 0 && since !== null && since > DAY_MS)) return { item: 'central-link', status: 'warn', value: backlog, detail };
  return { item: 'central-link', status: 'ok', value: backlog, detail };
}

function uptimeItem(store: ChecklistStore, o: ChecklistOptions, env: SystemEnv, now: number): HealthItem {
  const sys = systemUptimeSeconds(env);
  const s = store.doorStatus();
  const from = new Date(now - 30 * DAY_MS).toISOString();
  const starts = store.events.countSince('daemon.started', from);
  const daemonUp = o.daemonPid !== null && s.startedAt !== null ? now - s.startedAt : null;
  const detail = `system up ${sys === null ? '?' : ago(sys * 1000)}, daemon ${daemonUp === null ? 'not running' : `up ${ago(daemonUp)}`}, ${starts} daemon starts in 30 days`;
  return { item: 'uptime', status: starts > 5 ? 'warn' : 'ok', value: starts, detail: starts > 5 ? `${detail}: restarting often, read the journal (journalctl -u pintu)` : detail };
}

/** Run every item. Never throws for a faulty item: the fault becomes the item's result. */
export function runChecklist(store: ChecklistStore, o: ChecklistOptions, env: SystemEnv): HealthReport {
  const now = env.now();
  const guard = (item: string, fn: () => HealthItem | HealthItem[]): HealthItem[] => {
    try { return [fn()].flat(); } catch (err) { return [{ item, status: 'fail', value: null, detail: `check failed: ${(err as Error).message}` }]; }
  };
  const state: DaemonState = o.daemonState ?? (o.daemonPid !== null ? 'running' : 'not running');
  const running = state === 'running';
  const items: HealthItem[] = [
    daemonItem(state, o.daemonPid),
    ...guard('readers', () => readerItems(store, o, now)),
    ...guard('door', () => doorItems(store, o, now)),
    ...databaseItems(o.databaseCheck ?? store.checkDatabase({ pragma: 'quick_check', chain: 'all' })),
    ...guard('disk', () => diskFree(env, o.dataDir)),
    ...(o.central ? guard('central-link', () => centralItem(store, now)) : []),
    ...(o.badges ? [...guard('badge-keys', () => badgeKeyItem(o.badges!)), ...guard('badge-readers', () => badgeReaderItem(o.badges!, () => store.secureBadges().length))] : []),
    ...guard('clock', () => clockItem(env, o.buildDate ?? BUILD_DATE_MS, store.meta(RTC_TRUST_KEY), o.clockFaults?.() ?? [])),
    ...guard('cpu-temperature', () => cpuTemperature(env)),
    ...guard('throttling', () => throttling(env)),
    ...guard('uptime', () => uptimeItem(store, o, env, now)),
    ...(o.backup ? guard('backup', () => backupItem(newestBackup(store), o.backup!, now)) : []),
    ...(o.devices ? guard('devices', () => deviceItems(env, o.devices!)) : []),
    ...(o.mains ? guard('ups-mains', () => mainsItem(loadReaderHealth(store)?.mains, running, now)) : []),
    ...(o.storageDevice ? guard('storage-wear', () => storageWear(env, o.storageDevice)) : []),
    ...(o.software ? guard('software', () => softwareItem({ ...o.software!(), running: running ? store.meta(DAEMON_VERSION_KEY) : null })) : []),
  ];
  const counts = { ok: 0, warn: 0, fail: 0 };
  for (const i of items) counts[i.status] += 1;
  return { at: new Date(now).toISOString(), door: store.door, status: counts.fail ? 'fail' : counts.warn ? 'warn' : 'ok', counts, items };
}

/**
 * The newest backup and the newest failure after it, and when the log began. A failure is looked for only among the
 * events since that backup (a day's worth, in pages), so a monthly run does not scan the whole log on the daemon's
 * thread; only a door that never made a backup searches the whole log for a failure.
 */
function newestBackup(store: ChecklistStore): { made: StoredEvent | null; failed: StoredEvent | null; firstEventAt: number | null } {
  const made = store.eventsOfType('backup.made', 1)[0] ?? null;
  let failed: StoredEvent | null = null;
  if (made) {
    for (let after = made.seq; ;) {
      const page = store.events.since(after, 2000);
      for (const e of page) if (e.type === 'alarm.backup') failed = e;
      if (page.length < 2000) break;
      after = page[page.length - 1]!.seq;
    }
  } else {
    failed = store.eventsOfType('alarm.backup', 1)[0] ?? null;
  }
  const first = store.events.since(0, 1)[0];
  return { made, failed, firstEventAt: first ? Date.parse(first.at) : null };
}

/** A run as the centre hears of it: ok → ok, warn → degraded, fail → failed, and the items not ok (failed first, at most 32). */
export function healthFact(r: Pick<HealthReport, 'status' | 'items'>): HealthFact {
  const state = ({ ok: 'ok', warn: 'degraded', fail: 'failed' } as const)[r.status];
  const failing = [...r.items.filter((i) => i.status === 'fail'), ...r.items.filter((i) => i.status === 'warn')].map((i) => i.item.slice(0, 64));
  return { state, failing: failing.slice(0, 32) };
}

/** The last run's summary (`healthFact`) as recorded, or null before the first run of this version. */
export function loadHealthFact(store: MetaRepository): HealthFact | null {
  const raw = store.meta(HEALTH_SUMMARY_KEY);
  if (!raw) return null;
  const r = healthFactSchema.safeParse((() => { try { return JSON.parse(raw) as unknown; } catch { return null; } })());
  return r.success ? r.data : null;
}

/** Store a report: one `health.report` event plus an `alarm.health` event per failing item, in one transaction. */
export function recordReport(store: ReportStore, r: HealthReport, at: number, trigger: 'schedule' | 'manual'): StoredEvent[] {
  return store.tx(() => {
    store.setMeta(LAST_HEALTH_KEY, String(at));
    store.setMeta(HEALTH_SUMMARY_KEY, JSON.stringify(healthFact(r)));
    return store.events.append([
      event('health.report', { trigger, status: r.status, counts: r.counts, items: r.items }),
      ...r.items.filter((i) => i.status === 'fail').map((i) => event('alarm.health', { item: i.item, value: i.value, detail: i.detail })),
    ], at);
  });
}

/** `pintu health`'s exit codes: warnings never fail; a daemon not running outranks a failed item. */
export const HEALTH_EXIT = { ok: 0, failed: 1, daemonDown: 2, cannotCheck: 3 } as const;

/** The exit code of a run: 2 when the `daemon` item is not ok, else 1 when any item failed, else 0. */
export function healthExitCode(r: Pick<HealthReport, 'items'>): number {
  if (r.items.some((i) => i.item === 'daemon' && i.status !== 'ok')) return HEALTH_EXIT.daemonDown;
  return r.items.some((i) => i.status === 'fail') ? HEALTH_EXIT.failed : HEALTH_EXIT.ok;
}

/** The checklist as text for `pintu health`. */
export function formatReport(r: HealthReport, timeZone?: string): string {
  const mark = { ok: ' ok ', warn: 'WARN', fail: 'FAIL' } as const;
  return [
    `health of door ${r.door} at ${timeZone ? formatTime(Date.parse(r.at), timeZone) : r.at}: ${r.status.toUpperCase()} (${r.counts.ok} ok, ${r.counts.warn} warn, ${r.counts.fail} fail)`,
    ...r.items.map((i) => `  [${mark[i.status]}] ${i.item.padEnd(16)} ${i.detail}`),
  ].join('\n');
}

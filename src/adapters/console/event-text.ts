/**
 * Every event of the door's catalogue as one line of officer text (catalogue keys `ev.<type>`, i18n/events.ts), for the
 * door's event stream and a visit's timeline. Events hold ids and facts, never names, NIK or phone; officers are shown
 * by name, badges by their printed label, and a card UID the pool does not know only shortened (`••••A1B2`), never whole.
 * `EVENT_PARAMS` has an entry for every event type: a type added to the catalogue without its text does not compile.
 */
import { isEventType, type EventType, type StoredData, type StoredEvent } from '../../domain/events.js';
import type { ConsoleQueries } from '../../ports/console.js';
import type { MessageKey, MessageParams, Translate } from './i18n/index.js';
import { when } from './view.js';

/** What an event's text needs besides the event: officers' names, badges' labels and times in the site's zone. */
export interface EventNames {
  /** An officer's name (their id when unknown). */
  officer(id: string): string;
  /** A badge's label (officer badge: the officer's name; unknown card: its UID shortened). */
  badge(uid: string): string;
  /** An ISO time in the site's zone with its abbreviation. */
  time(iso: string): string;
}

/** A card UID shortened to its last 4 hex digits (`••••A1B2`): enough to tell cards apart, never the whole UID. */
export function shortUid(uid: string): string {
  const hex = uid.replace(/[^0-9a-f]/gi, '').toUpperCase();
  return `••••${hex.slice(-4)}`;
}

/** Names for event texts from the store, read once (officers and the badge pool are small): build one per rendering. */
export function eventNames(queries: Pick<ConsoleQueries, 'officers' | 'badges'>, timeZone: string): EventNames {
  const officers = new Map<string, string>();
  const badges = new Map<string, string>();
  for (const o of queries.officers()) { officers.set(o.id, o.name); badges.set(o.badgeUid, o.name); }
  for (const b of queries.badges()) badges.set(b.uid, b.label);
  return {
    officer: (id) => officers.get(id) ?? id,
    badge: (uid) => badges.get(uid) ?? shortUid(uid),
    time: (iso) => when(Date.parse(iso), timeZone),
  };
}

/** A duration as officer text (seconds, minutes, or hours and minutes). */
export function durationText(t: Translate, seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return t('ev.dur.s', { n: s });
  const min = Math.round(s / 60);
  if (min < 120) return t('ev.dur.min', { n: min });
  return t('ev.dur.h', { h: Math.floor(min / 60), m: min % 60 });
}

/** The parameters of one event type's text. */
type ParamsOf<K extends EventType> = (d: StoredData<K>, t: Translate, n: EventNames) => MessageParams;

const over = (t: Translate, d: { overStandard?: boolean | undefined }): string => (d.overStandard ? t('ev.over') : '');
const dir = (t: Translate, d: 'in' | 'out'): string => t(d === 'in' ? 'ev.dir.in' : 'ev.dir.out');
const opt = (t: Translate, key: MessageKey, params: MessageParams | null): string => (params ? t(key, params) : '');
const fallback = (t: Translate, prefix: string, value: string): string => {
  const text = t(`${prefix}.${value}` as MessageKey);
  return text.startsWith(`${prefix}.`) ? value : text;
};
/** A health checklist item in officer words: `reader:in` → "pembaca kartu in"; an item without a text keeps its name. */
const healthItem = (t: Translate, item: string): string => {
  const [kind = item, id] = item.split(/:(.*)/s);
  return fallback(t, 'health.item', kind) + (id ? ` ${id}` : '');
};
/** Who a grant or refusal was for, as the door knew them. */
const who = (t: Translate, n: EventNames, d: { officer?: string | undefined; visit?: string | undefined; badge?: string | undefined }): string => {
  if (d.officer) return t('ev.officerWho', { officer: n.officer(d.officer) });
  if (d.visit) return t('ev.visitor', { visit: d.visit, badge: d.badge ? n.badge(d.badge) : '-' });
  return d.badge ? t('ev.card', { badge: n.badge(d.badge) }) : t('ev.cardUnknown');
};
const mb = (t: Translate, bytes: number): string => (bytes < 1_000_000 ? t('ev.size.kb', { n: Math.max(1, Math.round(bytes / 1000)) }) : t('ev.size.mb', { n: Math.round(bytes / 100_000) / 10 }));

/**
 * Every event type's text parameters (the text itself is `ev.<type>` in the catalogue). Partial only so that a type
 * added to the catalogue by another change still builds: its text then gets the data's own fields (`ownFields`), and
 * the compile-time check below still demands its catalogue text; test/unit/console-event-text.test.ts checks it reads whole.
 */
export const EVENT_PARAMS: { [K in EventType]?: ParamsOf<K> } = {
  'visit.requested': (d, t, n) => ({ kind: t(d.kind === 'maintenance' ? 'ev.kind.maintenance' : 'ev.kind.visit'), visit: d.visit, officer: d.officer ? n.officer(d.officer) : t('ev.centre'), devices: d.devicesIn.length }),
  'visit.checked': (d, t, n) => ({ visit: d.visit, officer: n.officer(d.officer), over: over(t, d) }),
  'visit.approved': (d, t, n) => ({ visit: d.visit, officer: n.officer(d.officer), from: n.time(d.validFrom), until: n.time(d.validUntil), over: over(t, d) }),
  'visit.denied': (d, t, n) => ({ visit: d.visit, officer: n.officer(d.officer), reason: d.reason, over: over(t, d) }),
  'badge.issued': (d, t, n) => ({ which: t(d.reissue ? 'ev.reissue' : 'ev.badge'), badge: d.label, visit: d.visit, officer: n.officer(d.officer), over: over(t, d) }),
  'visit.checked_out': (d, t, n) => ({ visit: d.visit, officer: n.officer(d.officer), devices: d.devicesOut, ktp: t(d.ktpReturned ? 'ev.ktpReturned' : 'ev.ktpKept'), over: over(t, d) }),
  'badge.returned': (d, _t, n) => ({ badge: n.badge(d.badge), visit: d.visit }),
  'visit.device_mismatch': (d) => ({ visit: d.visit, missing: d.notCarriedOut.length, extra: d.notBroughtIn.length }),
  'visit.reported': (d, t, n) => ({ visit: d.visit, officer: n.officer(d.officer), over: over(t, d) }),
  'visit.archived': (d, t, n) => ({ visit: d.visit, officer: n.officer(d.officer), over: over(t, d) }),
  'visit.revoked': (d, t, n) => ({ visit: d.visit, officer: n.officer(d.officer), where: d.presence === 'inside' ? t('ev.insideNow') : '', reason: d.reason }),
  'alarm.revoked_inside': (d) => ({ visit: d.visit }),
  'visit.checklist_recorded': (d, _t, n) => ({ visit: d.visit, officer: n.officer(d.officer), ok: d.ok, degraded: d.degraded, failed: d.failed }),
  'badge.lost': (d, _t, n) => ({ badge: n.badge(d.badge), visit: d.visit, officer: n.officer(d.officer) }),
  'visit.nik_revealed': (d, _t, n) => ({ visit: d.visit, officer: n.officer(d.officer), reason: d.reason }),
  'access.granted': (d, t, n) => ({
    who: who(t, n, d), direction: dir(t, d.direction), reader: d.reader,
    escort: d.escort ? t('ev.escort', { officer: n.officer(d.escort) }) : '',
    lapsed: d.lapsed ? t('ev.lapsed', { why: t(`ev.lapsed.${d.lapsed}`) }) : '',
  }),
  'access.denied': (d, t, n) => ({
    who: who(t, n, d), direction: dir(t, d.direction), reader: d.reader,
    reason: fallback(t, 'ev.deny', d.reason) + (d.afterRestart ? t('ev.deny.afterRestart') : ''),
  }),
  'access.awaiting_escort': (d, _t, n) => ({ visit: d.visit, badge: n.badge(d.badge), seconds: d.windowSeconds }),
  'alarm.visit_overstay': (d, _t, n) => ({ visit: d.visit, until: n.time(d.validUntil) }),
  'alarm.visitor_unescorted': (d, t, n) => ({ officer: n.officer(d.officer), visits: d.visits.length ? d.visits.join(', ') : t('ev.none') }),
  'door.opened': (d, t) => ({ via: t(d.via === 'rex' ? 'ev.via.rex' : d.via === 'fire' ? 'ev.via.fire' : 'ev.via.grant') }),
  'alarm.fire': (d, t) => ({ released: t(d.released ? 'ev.fire.released' : 'ev.fire.stayLocked') }),
  'fire.cleared': (d, t) => ({ duration: durationText(t, d.alarmSeconds), locked: d.policy === 'release' ? t('ev.fire.relocked') : '' }),
  'alarm.fire_input_fault': () => ({}),
  'fire.input_restored': (d, t) => ({ duration: durationText(t, d.faultSeconds) }),
  'door.closed': (d, t) => ({ duration: durationText(t, d.openSeconds) }),
  'door.forced': () => ({}),
  'door.held': (d, t) => ({ duration: durationText(t, d.openSeconds) }),
  'door.held_cleared': (d, t) => ({ duration: durationText(t, d.openSeconds) }),
  'door.rex': () => ({}),
  'access.unused': (d, t, n) => {
    const outside = d.officerOutside ? t('ev.officerWho', { officer: n.officer(d.officerOutside) }) : d.visitorOutside ? t('ev.visitor', { visit: d.visitorOutside, badge: '-' }) : null;
    return { who: opt(t, 'ev.stayedOutside', outside ? { who: outside } : null) };
  },
  'officer.added': (d, t, n) => ({ officer: n.officer(d.officer), role: t(`role.${d.role}`), by: opt(t, 'ev.by', d.by ? { officer: n.officer(d.by) } : null) }),
  'officer.pin_set': (d, _t, n) => ({ officer: n.officer(d.officer), by: n.officer(d.by) }),
  'officer.signed_in': (d, _t, n) => ({ officer: n.officer(d.officer) }),
  'officer.signed_out': (d, t, n) => ({ officer: n.officer(d.officer), how: d.how === 'timeout' ? t('ev.how.timeout') : '' }),
  'alarm.pin_lockout': (d, _t, n) => ({ officer: n.officer(d.officer), minutes: d.minutes }),
  'officer.role_changed': (d, t, n) => ({ officer: n.officer(d.officer), role: t(`role.${d.role}`), by: n.officer(d.by) }),
  'visit.cancelled': (d, t, n) => ({ visit: d.visit, officer: n.officer(d.officer), reason: t(`ev.cancel.${d.reason}`) }),
  'visit.expired': (d, t) => ({ visit: d.visit, why: t(`ev.expiry.${d.why}`) }),
  'subject.exported': (d, t, n) => ({ count: d.visits.length, format: d.format.toUpperCase(), by: opt(t, 'ev.by', d.officer ? { officer: n.officer(d.officer) } : null) }),
  'subject.erased': (d, _t, n) => ({ count: d.visits.length, officer: n.officer(d.officer), reason: d.reason }),
  'visit.mismatch_acknowledged': (d, _t, n) => ({ visit: d.visit, officer: n.officer(d.officer) }),
  'badge.found': (d, _t, n) => ({ badge: d.label, officer: n.officer(d.officer) }),
  'alarm.acknowledged': (d, _t, n) => ({ alarm: d.alarm, officer: n.officer(d.officer) }),
  'officer.activated': (d, _t, n) => ({ officer: n.officer(d.officer), by: n.officer(d.by) }),
  'officer.deactivated': (d, _t, n) => ({ officer: n.officer(d.officer), by: n.officer(d.by) }),
  'badge.added': (d) => ({ badge: d.label }),
  'badge.retired': (d, _t, n) => ({ badge: d.label, officer: n.officer(d.officer) }),
  'badge.enrolled': (d, _t, n) => ({ badge: d.label ?? (d.holderOfficer ? n.officer(d.holderOfficer) : n.badge(d.badge)), version: d.keyVersion, officer: n.officer(d.by) }),
  'badge.key_reset': (d, _t, n) => ({ badge: n.badge(d.badge), officer: n.officer(d.by) }),
  'badge.key_rotated': (d, t) => ({ version: d.keyVersion, previous: d.previousKeyVersion, kept: t(d.previousAccepted ? 'ev.badge.previousAccepted' : 'ev.badge.previousRefused') }),
  'alarm.clone_suspected': (d, t, n) => ({ reader: d.reader, who: d.officer ? t('ev.officerWho', { officer: n.officer(d.officer) }) : d.visit ? t('ev.visitor', { visit: d.visit, badge: n.badge(d.badge) }) : n.badge(d.badge) }),
  'alarm.desk_clone_suspected': (d, t, n) => ({ reader: d.reader, who: d.officer ? t('ev.officerWho', { officer: n.officer(d.officer) }) : d.visit ? t('ev.visitor', { visit: d.visit, badge: n.badge(d.badge) }) : n.badge(d.badge) }),
  'incident.recorded': (d, t, n) => ({ incident: d.incident, officer: n.officer(d.officer), visit: opt(t, 'ev.withVisit', d.visit ? { visit: d.visit } : null) }),
  'door.enabled': (d, t, n) => ({ officer: n.officer(d.officer), reason: opt(t, 'ev.reason', d.reason ? { reason: d.reason } : null) }),
  'door.disabled': (d, t, n) => ({ officer: n.officer(d.officer), reason: opt(t, 'ev.reason', d.reason ? { reason: d.reason } : null) }),
  'daemon.started': (d, t) => ({ readers: d.readers.length ? d.readers.join(', ') : t('ev.none') }),
  'daemon.stopped': (d) => ({ reason: d.reason }),
  'alarm.chain_broken': (d) => ({ from: d.checkedFrom, last: d.lastSeq }),
  'alarm.reader_down': (d) => ({ reader: d.reader }),
  'reader.restored': (d, t) => ({ reader: d.reader, duration: durationText(t, d.downSeconds) }),
  'health.report': (d, t) => ({ manual: d.trigger === 'manual' ? t('ev.manual') : '', ok: d.counts.ok, warn: d.counts.warn, fail: d.counts.fail }),
  'alarm.health': (d, t) => ({ item: healthItem(t, d.item) }),
  'alarm.clock_rollback': (d, t) => ({ duration: durationText(t, d.behindMs / 1000) }),
  'alarm.clock_jump': (d, t) => ({ duration: durationText(t, d.aheadMs / 1000) }),
  'clock.confirmed': (d, t, n) => ({ officer: n.officer(d.officer), duration: durationText(t, d.aheadMs / 1000) }),
  'privacy.purge_refused': (d) => ({ due: d.due }),
  'privacy.purged': (d) => ({ count: d.count, days: d.retentionDays }),
  'backup.made': (d, t) => ({ manual: d.trigger === 'manual' ? t('ev.manual') : '', size: mb(t, d.bytes) }),
  'backup.restored': (d) => ({ file: d.file }),
  'alarm.backup': () => ({}),
  'watchlist.added': (d, t, n) => ({ entry: d.entry, by: d.source === 'central' ? t('ev.watchlist.central', { by: d.by }) : n.officer(d.by), until: n.time(d.until) }),
  'watchlist.removed': (d, _t, n) => ({ entry: d.entry, officer: n.officer(d.officer) }),
  'alarm.watchlist_match': (d, t) => ({ entry: d.entry, where: t(d.where === 'ktp' ? 'ev.watchlist.ktp' : 'ev.watchlist.request'), visit: opt(t, 'ev.withVisit', d.visit ? { visit: d.visit } : null) }),
  'command.executed': (d, t) => ({ action: fallback(t, 'ev.action', d.action), visit: d.visit ?? '—' }),
  'command.failed': (d, t) => ({ action: fallback(t, 'ev.action', d.action) }),
  'command.rejected': (d, t) => ({ reason: fallback(t, 'ev.reject', d.reason) }),
};

/** An event's own fields as parameters: officers by name, badges by label, nothing else that is not a plain fact. */
function ownFields(d: Readonly<Record<string, unknown>>, n: EventNames): MessageParams {
  const out: MessageParams = {};
  for (const [k, v] of Object.entries(d)) {
    if (typeof v === 'number') out[k] = v;
    else if (typeof v !== 'string') continue;
    else if (k === 'officer' || k === 'by' || k === 'escort') out[k] = n.officer(v);
    else if (k === 'badge') out[k] = n.badge(v);
    else if (k !== 'cardHash') out[k] = v;
  }
  return out;
}

/** The catalogue key of an event type's text. */
export function eventKey(type: EventType): MessageKey {
  return `ev.${type}` as MessageKey;
}

/** An event as one line of officer text; an event type this console does not know (a newer door) says its type. */
export function eventText(t: Translate, e: Pick<StoredEvent, 'type' | 'data'>, names: EventNames): string {
  if (!isEventType(e.type)) return t('ev.unknown', { type: String(e.type) });
  const typed = EVENT_PARAMS[e.type] as ParamsOf<EventType> | undefined;
  const data = e.data as StoredData<EventType>;
  const params = typed ? typed(data, t, names) : ownFields(data, names);
  const text = t(eventKey(e.type), params);
  return text === eventKey(e.type) ? t('ev.unknown', { type: e.type }) : text;
}

/** Compile-time check: every event type has its text in the catalogue (`ev.<type>`); a missing one is named here. */
type MissingEventText = Exclude<`ev.${EventType}`, MessageKey>;
/** Fails to compile, naming the key, while an event type has no text. */
export const EVERY_EVENT_HAS_TEXT: [MissingEventText] extends [never] ? true : MissingEventText = true;

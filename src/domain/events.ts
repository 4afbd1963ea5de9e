/**
 * The event catalogue: every event type the door writes, with its payload (`data`), in one map. The types of
 * `DomainEvent` and `StoredEvent` and the one constructor `event(type, data)` come from it, so an unknown type or a
 * wrong payload does not compile; the zod schemas are the same map at run time, for the centre, the console and
 * docs/asyncapi.yaml (test/unit/asyncapi.test.ts keeps the document equal to `eventJsonSchema`).
 *
 * The tap path only builds plain objects with these types: nothing here validates or allocates per event.
 * Type strings and data keys are stored and hashed: never rename them (old logs and the centre keep them).
 */
import { z } from 'zod';
import { DENY_REASONS, ROLES, type DenyReason, type Role } from './types.js';
import { PROOF_FAILURES, type ProofFailure } from './badge-proof.js';

const id = (what: string): z.ZodString => z.string().describe(what);
const visit = id('visit id, e.g. V-20261123-001');
const officer = id('officer id, e.g. O1');
const badge = id('card UID of the badge (upper-case hex)');
const reader = id('reader id');
const direction = z.enum(['in', 'out']).describe('which way the tap was: in (entering) or out (leaving)');
const iso = (what: string): z.ZodString => z.string().describe(`${what} (ISO-8601, UTC)`);
const seconds = (what: string): z.ZodNumber => z.number().describe(`${what}, seconds`);
const count = (what: string): z.ZodNumber => z.number().describe(what);
const device = z.object({ description: id('what it is'), serial: id('manufacturer serial number') });
const sopStep = z.enum(['request', 'check', 'decide', 'issue', 'inside', 'checkout', 'report', 'archive']).describe('the measured SOP step');
const reason = id('the reason given (plain text)');

/** An officer acting on a visit: every visit transition carries these. */
const onVisit = { visit, officer: id('officer who acted') };
/** SOP step timing of a transition (`timeStep`): the step, and how long it took against its standard when measured. */
const timing = {
  step: count('SOP step number (shared/sop/README.md)'),
  sopStep,
  durationSeconds: seconds('how long the step took').optional(),
  standardSeconds: seconds('the standard for the step').optional(),
  overStandard: z.boolean().describe('the step took longer than its standard').optional(),
};
const untimed = { step: timing.step.optional(), sopStep: sopStep.optional(), durationSeconds: timing.durationSeconds, standardSeconds: timing.standardSeconds, overStandard: timing.overStandard };

/** The catalogue: event type → payload schema (each described). Keys and field names are what is stored. */
export const EVENT_SCHEMAS = {
  // Visits (SOP 001–004), from the visit machine (domain/visit.ts).
  'visit.requested': z.object({
    visit, kind: z.enum(['visit', 'maintenance']).describe('ordinary or maintenance visit (SOP 002)'), step: count('SOP step number (1)'),
    officer: id('officer who recorded the request (absent: preregistered by the centre)').optional(),
    org: id('the visitor\'s institution or company'), purpose: id('purpose of the visit'), plannedMinutes: count('planned duration, minutes'),
    devicesIn: z.array(device).describe('devices brought in'), letterRef: id('request letter / ticket reference').nullable(),
    ktpRead: z.boolean().describe('the KTP chip was read (its UID is kept only as a keyed hash, never sent)'),
    disposition: z.object({ orderedBy: id('who ordered it'), reference: id('letter / memo reference'), date: id('date (YYYY-MM-DD)') }).describe('maintenance disposition (SOP 002)').optional(),
    // Step 1 timed from the start of the intake at the desk (the console's request form opened), when the door knows it.
    sopStep: untimed.sopStep, durationSeconds: untimed.durationSeconds, standardSeconds: untimed.standardSeconds, overStandard: untimed.overStandard,
  }).describe('a visit was requested (SOP step 1; timed from the start of the intake when the door knows it)'),
  'visit.checked': z.object({ ...onVisit, ...timing }).describe('the request was checked for completeness (step 2)'),
  'visit.approved': z.object({ ...onVisit, validFrom: iso('approval valid from'), validUntil: iso('approval valid until'), ...timing }).describe('a head approved the visit (step 3)'),
  'visit.denied': z.object({ ...onVisit, reason, ...timing }).describe('a head denied the visit (step 3)'),
  'badge.issued': z.object({
    ...onVisit, badge, label: id('label printed on the badge'), ktpHeld: z.literal(true).describe('the KTP is held at the desk'),
    reissue: z.boolean().describe('a replacement for a lost badge (not timed)'),
    rulesVersion: id('version of the server-room rules the visitor acknowledged before the badge was issued (absent before issue 14)').optional(), ...untimed,
  }).describe('a special badge was issued for the KTP (step 3)'),
  'visit.checked_out': z.object({
    ...onVisit, badge: id('the badge returned').nullable(), ktpReturned: z.boolean().describe('the KTP went back (false: kept at the desk until a head acknowledges the device mismatch)'),
    wasInside: z.boolean().describe('the visitor was still inside at checkout'), devicesOut: count('devices carried out'), ...timing,
    insideSeconds: seconds('time inside over all stays').optional(), insideStandardSeconds: seconds('standard for the time inside').optional(),
    insideOverStandard: z.boolean().describe('the time inside was over its standard').optional(),
  }).describe('exit recorded with the devices carried out (step 5)'),
  'badge.returned': z.object({ ...onVisit, badge }).describe('the badge came back at checkout'),
  'visit.device_mismatch': z.object({
    ...onVisit, notCarriedOut: z.array(device).describe('brought in, not carried out'), notBroughtIn: z.array(device).describe('carried out, not brought in'),
  }).describe('the devices out differ from the devices in (by serial number): an alarm at the centre'),
  'visit.reported': z.object({ ...onVisit, note: id('report note').optional(), ...timing }).describe('the visit was reported (step 6)'),
  'visit.archived': z.object({ ...onVisit, ...timing }).describe('the visit was archived (step 7)'),
  'visit.revoked': z.object({
    ...onVisit, reason, badge: id('the badge the visit held').nullable(), presence: z.enum(['inside', 'outside']).describe('where the visitor was').nullable(),
  }).describe('a head revoked the approval'),
  'alarm.revoked_inside': z.object({ ...onVisit, badge: id('the badge the visit held').nullable() }).describe('a visit was revoked with its visitor inside'),
  'visit.checklist_recorded': z.object({
    ...onVisit,
    items: z.array(z.object({ item: id('what was checked'), status: z.enum(['ok', 'degraded', 'failed']).describe('its condition'), note: id('measured value or remark').nullable() })).describe('the checklist items'),
    ok: count('items ok'), degraded: count('items degraded'), failed: count('items failed'),
  }).describe('a maintenance checklist was recorded (SOP 002)'),
  'badge.lost': z.object({ ...onVisit, badge }).describe('the visit\'s badge was reported lost'),

  // Issue 14: a head reveals a visitor's full NIK (masked everywhere else) with a reason; the NIK itself is never in the event.
  'visit.nik_revealed': z.object({ visit, officer: id('the head who revealed it'), reason }).describe('a head was shown the visitor\'s full NIK, with the reason given (the NIK is not in the event)'),

  // The officers' console (issue 12): cancel / no-show, the head's mismatch acknowledgement, found badges, alarm acknowledgements.
  'visit.cancelled': z.object({
    ...onVisit, reason: z.enum(['cancelled', 'no_show']).describe('cancelled, or the visitor did not show up'), note: id('the officer\'s note').optional(),
  }).describe('a request that never came was closed before any badge was issued'),
  'visit.expired': z.object({
    visit, from: z.enum(['requested', 'checked', 'approved']).describe('the state the request was left in'),
    why: z.enum(['approval_lapsed', 'undecided']).describe('the approval ended before a badge was issued, or nobody decided the request in time'),
    validUntil: iso('when the approval ended (approval_lapsed)').optional(), afterDays: count('days without a decision (undecided; privacy.expireUndecidedDays)').optional(),
  }).describe('a request that never reached the door expired (its retention period starts)'),
  'visit.mismatch_acknowledged': z.object({
    ...onVisit, ktpReturned: z.literal(true).describe('the KTP went back'),
    incident: count('the incident-book entry holding the head\'s note').optional(),
  }).describe('a head acknowledged the device mismatch of a checkout; the KTP went back'),
  'badge.found': z.object({ badge, label: id('label printed on the badge'), officer: id('the head who put it back') }).describe('a lost badge was found and is back in the pool'),
  'alarm.acknowledged': z.object({
    alarm: count('seq of the alarm event acknowledged'), alarmType: id('type of the alarm event'), officer: id('officer who acknowledged it'),
    incident: count('the incident-book entry holding the officer\'s note').optional(),
  }).describe('an officer acknowledged an alarm at the door (not an alarm itself)'),

  // The door's taps (app/access-service.ts): plain object literals on the tap path.
  'access.granted': z.object({
    reader, direction, badge, holder: z.enum(['officer', 'visitor']).describe('whose badge'), officer: officer.optional(), visit: visit.optional(),
    escort: id('the escorting officer (null: leaving, or no escort required)').nullable().optional(),
    lapsed: z.enum(['revoked', 'not-approved', 'not-yet-valid', 'expired']).describe('a visitor leaving although this would refuse entry').optional(),
  }).describe('the strike opens for a badge'),
  'access.denied': z.object({
    reader, direction, reason: z.enum(DENY_REASONS as [DenyReason, ...DenyReason[]]).describe('why the tap was refused'),
    badge: badge.optional(), cardHash: id('keyed hash of an unknown card (it may be a KTP)').optional(), visit: visit.optional(), officer: officer.optional(),
    afterRestart: z.literal(true).describe('a wait for an escort ended by a restart').optional(),
  }).describe('a tap was refused'),
  'access.awaiting_escort': z.object({ reader, direction, badge, visit, windowSeconds: seconds('how long the visitor waits for an officer\'s tap') }).describe('a visitor tapped first and waits for an escort'),
  'alarm.visit_overstay': z.object({ visit, badge: badge.nullable(), validUntil: iso('when the approval ended') }).describe('the approval ended with the visitor inside'),
  'alarm.visitor_unescorted': z.object({ officer: id('the last officer who left'), visits: z.array(visit).describe('visits still inside') }).describe('the last officer left while visitors are inside'),

  // The door machine (domain/door.ts); `access.unused` also says who it put back outside (main.ts).
  'door.opened': z.object({
    via: z.enum(['grant', 'rex', 'fire']).describe('what authorised the opening (fire: the strike was held unlocked for a fire alarm)'),
    refs: z.array(z.record(z.string(), z.unknown())).describe('the grants this opening used: {reader, badge, visit or officer, direction, at}'),
  }).describe('the door opened, authorised'),
  'door.closed': z.object({ openSeconds: seconds('how long it stood open'), via: z.enum(['grant', 'rex', 'forced', 'unknown', 'fire']).describe('what had opened it') }).describe('the door closed'),
  'door.forced': z.object({}).describe('the door opened with no grant or exit-button window: an alarm'),
  'door.held': z.object({ openSeconds: seconds('how long it stood open') }).describe('the door stood open past heldOpenSeconds: an alarm'),
  'door.held_cleared': z.object({ openSeconds: seconds('how long it stood open') }).describe('a held door closed'),
  'door.rex': z.object({}).describe('the exit button was pressed'),
  'access.unused': z.object({
    ref: z.record(z.string(), z.unknown()).describe('the grant: {reader, badge, visit or officer, direction, at}'),
    officerOutside: id('the officer put back outside: they never entered').optional(), visitorOutside: id('the visit put back outside: its visitor never entered').optional(),
  }).describe('a grant\'s strike ran out with the door shut'),

  // The supervised fire-alarm input (domain/fire.ts, app/door-controller.ts; hardware/README.md "Fire alarm input").
  'alarm.fire': z.object({
    policy: z.enum(['release', 'stay-locked']).describe('the site\'s fire.onAlarm policy'),
    released: z.boolean().describe('the strike is held unlocked while the alarm lasts (policy release)'),
  }).describe('the fire alarm panel signals fire: the muster list is due'),
  'fire.cleared': z.object({
    policy: z.enum(['release', 'stay-locked']).describe('the site\'s fire.onAlarm policy'), alarmSeconds: seconds('how long the alarm lasted'),
  }).describe('the fire alarm ended (with policy release the strike locks again)'),
  'alarm.fire_input_fault': z.object({
    alarmLine: z.boolean().describe('the alarm line read active'), supervisionLine: z.boolean().describe('the supervision loop read intact'),
    duringFire: z.boolean().describe('a fire was on when the fault began (it stays on, the strike unchanged)'),
  }).describe('the fire input\'s supervision loop is broken (cut or unplugged cable): a fault, not a fire; the strike is unchanged'),
  'fire.input_restored': z.object({ faultSeconds: seconds('how long the fault lasted') }).describe('the fire input\'s supervision loop is intact again'),

  // Officers, badges, the door mode, incidents (app/visit-service.ts).
  'officer.added': z.object({ officer, role: z.enum(ROLES as [Role, ...Role[]]).describe('SOP role'), badge, by: id('the head who registered the officer (absent: the first head, made by pintu setup, or an older door)').optional() }).describe('an officer was registered'),
  'officer.activated': z.object({ officer, by: id('the head who acted') }).describe('an officer was activated'),
  'officer.deactivated': z.object({ officer, by: id('the head who acted') }).describe('an officer was deactivated (their badge is refused)'),
  'badge.added': z.object({ badge, label: id('label printed on the badge'), by: id('the head who added it (absent: added on the command line before issue 12)').optional() }).describe('a visitor badge joined the pool'),
  'badge.retired': z.object({ badge, label: id('label printed on the badge'), officer }).describe('a visitor badge left the pool'),
  // Secure badges (issue 15, docs/badges.md): keys written to cards at the desk, and the site's key rotation.
  'badge.enrolled': z.object({
    badge, label: id('label printed on a pool badge').optional(), holder: z.enum(['pool', 'officer']).describe('the visitor-badge pool or an officer\'s own badge'),
    holderOfficer: officer.optional().describe('the officer whose badge it is (holder officer)'),
    keyVersion: count('site key version the card now holds'), previousKeyVersion: count('key version it held before (0: factory key)'),
    by: id('the officer who enrolled it'),
  }).describe('a card was given its site key at the desk (enrolled, or re-keyed after a rotation)'),
  'badge.key_reset': z.object({ badge, previousKeyVersion: count('site key version it held'), by: id('the officer who reset it') }).describe('a card got its factory key back and no longer opens the door'),
  'badge.key_rotated': z.object({
    keyVersion: count('the new current site key version'), previousKeyVersion: count('the version it replaces'),
    previousAccepted: z.boolean().describe('badges still holding the previous version keep opening the door until it is retired'),
    by: id('who rotated it (officer id, or "cli")'),
  }).describe('the site badge master key was rotated (badges are re-keyed at the desk)'),
  'alarm.clone_suspected': z.object({
    reader, direction, badge, holder: z.enum(['visitor', 'officer']).describe('whose badge the UID names'),
    visit: visit.optional(), officer: officer.optional(),
    why: z.enum(['uid-only', ...PROOF_FAILURES] as ['uid-only', ...ProofFailure[]]).describe('what the card failed to prove (uid-only: read by a reader that cannot authenticate)'),
  }).describe('a card showed an enrolled badge\'s UID but did not prove its key: a copy'),
  'alarm.desk_clone_suspected': z.object({
    reader, badge, holder: z.enum(['visitor', 'officer']).describe('whose badge the UID names'),
    visit: visit.optional(), officer: officer.optional(),
    why: z.enum(['uid-only', ...PROOF_FAILURES] as ['uid-only', ...ProofFailure[]]).describe('what the card failed to prove (uid-only: no proof came with the tap)'),
  }).describe('a card showing an enrolled badge\'s UID failed its proof at the desk: a copy'),
  'incident.recorded': z.object({
    incident: count('incident number'), officer, visit: visit.nullable(),
    text: id('the entry\'s text, only where the site sends it (central.sendIncidentText; it may name people)').optional(),
  }).describe('an incident was written in the book (SOP 004)'),
  'door.enabled': z.object({ officer, reason: reason.optional() }).describe('the door accepts badges again'),
  'door.disabled': z.object({ officer, reason: reason.optional() }).describe('the door refuses every badge (the exit button still works)'),

  // Officers' console sign-in and officer management (app/officer-service.ts). Never a PIN, a hash or a name.
  'officer.pin_set': z.object({ officer, by: id('who set it: a head, or the officer themself') }).describe('an officer\'s console PIN was set or changed'),
  'officer.signed_in': z.object({ officer }).describe('an officer signed in to the console (badge and PIN)'),
  'officer.signed_out': z.object({ officer, how: z.enum(['out', 'timeout']).describe('signed out, or the session timed out') }).describe('an officer\'s console session ended'),
  'alarm.pin_lockout': z.object({ officer, minutes: count('how long the officer cannot sign in, minutes') }).describe('wrong PINs in a row locked an officer out of the console'),
  'officer.role_changed': z.object({ officer, role: z.enum(ROLES as [Role, ...Role[]]).describe('the new SOP role'), by: id('the head who acted') }).describe('an officer\'s role was changed'),

  // The daemon, its readers, health, clock and maintenance.
  'daemon.started': z.object({ pid: count('process id'), readers: z.array(reader).describe('door readers') }).describe('the daemon started'),
  'daemon.stopped': z.object({ reason: id('why (signal or error)') }).describe('the daemon stopped (relay off)'),
  'alarm.chain_broken': z.object({ problem: id('what did not verify'), checkedFrom: count('first seq checked'), lastSeq: count('newest seq') }).describe('the newest events did not verify at start'),
  'alarm.reader_down': z.object({ reader, direction: z.enum(['in', 'out', 'desk']).describe('the reader\'s direction'), error: id('why') }).describe('a reader is down (retried)'),
  'reader.restored': z.object({ reader, direction: z.enum(['in', 'out', 'desk']).describe('the reader\'s direction'), downSeconds: seconds('how long it was down') }).describe('a reader works again'),
  'health.report': z.object({
    trigger: z.enum(['schedule', 'manual']).describe('scheduled run or pintu health'), status: z.enum(['ok', 'warn', 'fail']).describe('the worst item'),
    counts: z.object({ ok: count('items ok'), warn: count('items warn'), fail: count('items fail') }).describe('items per verdict'),
    items: z.array(z.object({ item: id('item name'), status: z.enum(['ok', 'warn', 'fail']).describe('verdict'), value: z.union([z.string(), z.number(), z.boolean(), z.null()]).describe('measured value'), detail: id('one line for the maintainer') })).describe('the checklist (SOP 002)'),
  }).describe('a health checklist run'),
  'alarm.health': z.object({ item: id('item name'), value: z.union([z.string(), z.number(), z.boolean(), z.null()]).describe('measured value'), detail: id('one line for the maintainer') }).describe('a health item failed'),
  'alarm.clock_rollback': z.object({ behindMs: count('how far behind the newest event, ms'), newestAt: iso('the newest event').nullable() }).describe('the clock was set back (docs/clock.md)'),
  'alarm.clock_jump': z.object({ aheadMs: count('how far ahead of what the log vouched for, ms'), vouched: iso('the time the log vouched for') }).describe('the clock jumped forward (docs/clock.md)'),
  'clock.confirmed': z.object({ officer, aheadMs: count('the jump, ms'), vouched: iso('the time the log vouched for') }).describe('a head accepted the time after a jump'),
  'privacy.purge_refused': z.object({ due: count('visits due for the purge'), reasons: z.array(id('a clock fault')).describe('why the purge may not run') }).describe('the purge of personal data was refused'),
  // The destruction record (berita acara pemusnahan) of one purge run: what, how many, which period, by which policy, run by what.
  'privacy.purged': z.object({
    count: count('visits purged'), retentionDays: count('retention, days'), cutoff: iso('visits closed before this'),
    ranBy: z.enum(['daemon', 'cli']).describe('the daemon\'s maintenance job or pintu purge').optional(),
    officer: id('the officer who ran pintu purge --by').optional(),
    expireUndecidedDays: count('policy: a request nobody decided expires after this many days').optional(),
    states: z.record(z.string(), z.number()).describe('visits purged per state (checked_out, archived, denied, cancelled, expired, revoked)').optional(),
    categories: z.object({
      identity: count('visits whose name, NIK and phone were erased'), ktpHash: count('KTP chip hashes erased'), nikHash: count('NIK hashes erased'),
      freeText: count('visits whose purpose, reasons, checklist notes or disposition signatory were erased'), incidentNotes: count('incident-book entries erased'),
      watchlistEntries: count('watchlist entries removed: expired longer ago than the retention').optional(),
    }).describe('records destroyed per category of personal data').optional(),
    oldestClosed: iso('the earliest closure among the visits purged').optional(), newestClosed: iso('the latest closure among the visits purged').optional(),
    run: iso('the purge run this record belongs to, named by the time it started: a run erases in batches, each committed with its own record').optional(),
    batch: count('the batch\'s number in its run, from 1').optional(),
  }).describe('destruction record: personal data past retention was purged (UU PDP); one per batch of a run'),
  // Data-subject requests (pintu subject, issue 14 item 4): ids only, never the NIK that found them.
  'subject.exported': z.object({
    visits: z.array(visit).describe('the visits found for the person'), format: z.enum(['json', 'html']).describe('the export\'s format'),
    officer: id('the officer who answered the request').optional(),
  }).describe('a person\'s records were exported on their request (UU PDP right of access)'),
  'subject.erased': z.object({
    officer: id('the head who erased'), visits: z.array(visit).describe('the visits whose personal fields and free text were erased'),
    incidentNotes: count('incident-book entries erased'), reason,
  }).describe('a person\'s personal data was erased on their request (UU PDP right to erasure); the events stay'),
  'backup.made': z.object({
    file: id('backup file name'), bytes: count('size, bytes'), ms: count('how long it took, ms'), removed: count('old backups removed').optional(),
    trigger: z.enum(['nightly', 'manual']).describe('the nightly job or pintu backup'),
  }).describe('a backup was made'),
  'backup.restored': z.object({ file: id('backup file name'), previous: id('the database set aside').nullable() }).describe('the database was restored from a backup'),
  'alarm.backup': z.object({ error: id('why') }).describe('the nightly backup failed'),

  // Commands from the centre (adapters/mqtt/command-handler.ts).
  // Watchlist (issue 14 item 8): entries by number, never a NIK; a match warns (an alarm), it never denies by itself.
  'watchlist.added': z.object({ entry: count('watchlist entry number'), source: z.enum(['local', 'central']).describe('a head at this door, or the centre\'s command'), by: id('who added it (officer id, or the centre\'s user)'), until: iso('until when it holds') }).describe('a NIK was put on the watchlist'),
  'watchlist.removed': z.object({ entry: count('watchlist entry number'), officer }).describe('a head took an entry off the watchlist'),
  'alarm.watchlist_match': z.object({
    visit: visit.optional(), entry: count('the watchlist entry matched'), where: z.enum(['request', 'ktp']).describe('at a request (its NIK) or a KTP tap at the desk (the KTP\'s earlier visits)'),
    officer: id('officer who recorded the request or tapped the KTP').optional(),
  }).describe('a visitor on the watchlist: the checker and the head are warned (the request is not denied by it)'),
  'command.executed': z.object({ command: id('command id'), action: id('the action'), counter: count('the command counter'), visit: visit.optional(), entries: count('watchlist entries applied (a watchlist command)').optional() }).describe('a command from the centre was carried out'),
  'command.failed': z.object({ command: id('command id'), action: id('the action'), counter: count('the command counter'), error: id('why (the reply says the same)') }).describe('a command from the centre was refused by the visit rules'),
  'command.rejected': z.object({
    reason: z.enum(['oversized', 'malformed', 'bad-signature', 'expired', 'replay', 'no-central-key', 'bad-seal']).describe('why it was not even tried (bad-seal: its sealed personal fields could not be opened with this door\'s key)'),
    command: id('command id, when readable').optional(), counter: count('the command counter').optional(), bytes: count('size of an oversized command').optional(),
    detail: id('what was malformed').optional(), expiresAt: iso('when it expired').optional(),
  }).describe('a command from the centre was rejected'),
} as const;

/** Every event type in the catalogue. */
export type EventType = keyof typeof EVENT_SCHEMAS;
/** All event types, in catalogue order. */
export const EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as EventType[];
/** The payload of one event type. */
export type EventData<K extends EventType> = z.output<(typeof EVENT_SCHEMAS)[K]>;

/** A domain event before it is stored (the log adds seq, door, at and the hash chain): a union, so `type` narrows `data`. */
export type DomainEvent<K extends EventType = EventType> = { [T in K]: { /** Dotted event type. */ type: T; /** Ids and facts; never names, NIK, phone or KTP UIDs. */ data: EventData<T> } }[K];

/**
 * The `incident.recorded` event of an incident-book entry: its number, officer and visit always; its text only where the
 * site sends it (`central.sendIncidentText`), decided here, when the entry is written, as the event is hash-chained.
 */
export function incidentRecorded(entry: { id: number; officerId: string; visitId: string | null; note: string }, sendText: boolean): DomainEvent<'incident.recorded'> {
  return event('incident.recorded', { incident: entry.id, officer: entry.officerId, visit: entry.visitId, ...(sendText ? { text: entry.note } : {}) });
}

/** Build an event: the one constructor (a plain object; no validation, no copy). */
export function event<K extends EventType>(type: K, data: EventData<K>): DomainEvent<K> {
  return { type, data } as DomainEvent<K>;
}

/** Fields the log adds to every event's data while the clock is not trusted (docs/clock.md). */
export const CLOCK_MARKS_SCHEMA = z.object({
  clockSynced: z.literal(false).describe('written while the clock was not trusted').optional(),
  clockRaw: iso('the raw clock reading, when the time written was raised').optional(),
  clockSource: z.literal('rtc').describe('written on a clock trusted from the battery-backed RTC that set it at boot (no NTP since the process started)').optional(),
}).describe('fields the door adds to an event\'s data while its clock is not trusted, or trusted from its RTC rather than NTP (docs/clock.md)');
/** The clock marks on stored data. */
export type ClockMarks = z.output<typeof CLOCK_MARKS_SCHEMA>;

/**
 * An event as read back from a log: its payload plus the clock marks, and any other keys (older or newer doors, test
 * filler) readable as unknown. A union like `DomainEvent`: `e.type === 'door.forced'` narrows `e.data`.
 */
export type StoredData<K extends EventType> = EventData<K> & ClockMarks & { readonly [key: string]: unknown };

/** A stored event of the door. */
export type StoredEvent<K extends EventType = EventType> = { [T in K]: {
  /** Door id. */ door: string;
  /** Gap-free sequence number per door, from 1. */ seq: number;
  /** Dotted type. */ type: T;
  /** ISO-8601 time with milliseconds. */ at: string;
  /** Event fields (ids and facts, no personal data). */ data: StoredData<T>;
  /** Hash of the previous event of this door (64 zeros for the first). */ prevHash: string;
  /** SHA-256 over prevHash, door, seq, type, at and the data JSON. */ hash: string;
} }[K];

/** Whether a type string (read from a log or the wire) is in the catalogue. */
export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_SCHEMAS, type);
}

/** Narrow an event read from anywhere (a log, the wire) to one catalogue type: `if (isEvent(e, 'visit.requested')) e.data.org`. */
export function isEvent<K extends EventType, E extends { type: string; data: unknown }>(e: E, type: K): e is E & { type: K; data: StoredData<K> } {
  return e.type === type;
}

/** Door event types (besides every `alarm.*`) that officers must act on: each becomes an alert at the centre. */
export const ALERT_EVENT_TYPES: readonly EventType[] = ['door.forced', 'door.held', 'visit.device_mismatch'];

/**
 * The door alarms the central office must see as alerts (issue 13, item 3), by the name for each, and the event
 * type the door writes for it: every one is an alert (`isAlertType`; test/integration/central-door-alarms.test.ts).
 */
export const DOOR_ALARM_TYPES = {
  forced: 'door.forced', held: 'door.held', visitorUnescorted: 'alarm.visitor_unescorted', overstay: 'alarm.visit_overstay',
  revokedInside: 'alarm.revoked_inside', deviceMismatch: 'visit.device_mismatch', readerDown: 'alarm.reader_down',
  clockRollback: 'alarm.clock_rollback', health: 'alarm.health', watchlistMatch: 'alarm.watchlist_match',
  // Issue 14 item 6: the fire alarm input and its supervision fault.
  fire: 'alarm.fire', fireInputFault: 'alarm.fire_input_fault',
  // Issue 15 item 1: a copied badge.
  cloneSuspected: 'alarm.clone_suspected',
  // The same copy tapped on a secure desk reader (refused there; alarm.clone_suspected needs a door direction).
  deskCloneSuspected: 'alarm.desk_clone_suspected',
} as const satisfies Record<string, EventType>;

/** Event types named `alarm.*` that are no alarm: an officer's acknowledgement of one. */
export const NOT_ALERT_TYPES: readonly EventType[] = ['alarm.acknowledged'];

/** Whether an event of this type is an alert at the centre and an alarm at the door: every `alarm.*` (but an acknowledgement) and `ALERT_EVENT_TYPES`. */
export function isAlertType(type: string): boolean {
  return (type.startsWith('alarm.') && !(NOT_ALERT_TYPES as readonly string[]).includes(type)) || (ALERT_EVENT_TYPES as readonly string[]).includes(type);
}

/** The JSON Schema of one event type's payload, as docs/asyncapi.yaml documents it. */
export function eventJsonSchema(type: EventType): Record<string, unknown> {
  return documented(EVENT_SCHEMAS[type]);
}

/** The JSON Schema of the clock marks, as docs/asyncapi.yaml documents it (`ClockMarks`). */
export function clockMarksJsonSchema(): Record<string, unknown> {
  return documented(CLOCK_MARKS_SCHEMA);
}

function documented(schema: z.ZodObject): Record<string, unknown> {
  // Readers tolerate keys they do not know (the clock marks, fields of newer doors): no additionalProperties: false.
  const { $schema: _schema, additionalProperties: _closed, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
  return rest;
}

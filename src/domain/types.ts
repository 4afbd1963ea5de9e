/**
 * The words of the server-room SOPs as types: officers, visitor badges, visits, taps and decisions.
 * Times are milliseconds since the epoch; everything here is plain data (no I/O).
 */

import type { CardProof } from './badge-proof.js';

/** Officer roles (names differ per office; see shared/sop/README.md). */
export type Role = 'staff' | 'coordinator' | 'head';
/** All roles, in order of authority. */
export const ROLES: readonly Role[] = ['staff', 'coordinator', 'head'];

/** Where a person is relative to the server room. */
export type Presence = 'inside' | 'outside';

/** An officer of the office, with a personal officer badge. */
export interface Officer {
  /** Stable id, e.g. `O1`. */
  id: string;
  /** Full name (personal data: never logged). */
  name: string;
  /** SOP role. */
  role: Role;
  /** UID of the officer's own badge (upper-case hex). */
  badgeUid: string;
  /** False once the officer is deactivated; their badge is then refused. */
  active: boolean;
  /** Inside or outside the room, from their taps. */
  presence: Presence;
  /** When the officer's last entry through the door was granted (ms), or null if never. */
  enteredAt: number | null;
}

/** Status of a special visitor badge from the site's pool. */
export type BadgeStatus = 'available' | 'issued' | 'lost' | 'retired';

/** A special server-room visitor badge (worn visibly while inside). */
export interface VisitorBadge {
  /** Card UID, upper-case hex. */
  uid: string;
  /** Label printed on the card, e.g. `TAMU-03`. */
  label: string;
  /** Pool status. */
  status: BadgeStatus;
  /** Visit that holds the badge now (status issued), or the last visit that held it. */
  visitId: string | null;
}

/** A device brought in or carried out, identified by serial number. */
export interface Device {
  /** What it is, e.g. "Laptop Dell Latitude". */
  description: string;
  /** Manufacturer serial number. */
  serial: string;
}

/** The state of a visit in the SOP. */
export type VisitState = 'requested' | 'checked' | 'approved' | 'denied' | 'issued' | 'checked_out' | 'archived' | 'revoked' | 'cancelled' | 'expired';
/** All visit states. */
export const VISIT_STATES: readonly VisitState[] = ['requested', 'checked', 'approved', 'denied', 'issued', 'checked_out', 'archived', 'revoked', 'cancelled', 'expired'];

/** Why a request that never reached the door expired: its approval ended before any badge was issued, or nobody decided it in time. */
export type ExpiryReason = 'approval_lapsed' | 'undecided';

/** How a visit's personal fields and free text were erased: at the end of retention, or on the person's own request. */
export interface VisitPurge {
  /** When (ms). */
  at: number;
  /** Retention (`privacy.retentionDays`) or a data-subject erasure (`pintu subject erase`). */
  why: 'retention' | 'subject';
}

/** Why a request that never came is closed: cancelled (by the visitor or the office), or the visitor did not show up. */
export type CancelReason = 'cancelled' | 'no_show';
/** All cancel reasons. */
export const CANCEL_REASONS: readonly CancelReason[] = ['cancelled', 'no_show'];

/** Kind of visit: an ordinary visit, or a maintenance visit ordered by a disposition (SOP 002). */
export type VisitKind = 'visit' | 'maintenance';

/** The visitor's identity as written on the access form (personal data: never logged, purged after retention). */
export interface Visitor {
  /** Full name. */
  name: string;
  /** 16-digit NIK from the KTP. */
  nik: string;
  /** Institution / company. */
  org: string;
  /** Phone number, if given. */
  phone: string | null;
}

/** Milestones of a visit, each with a time and (where an officer acted) an actor. */
export type Milestone =
  | 'requested' | 'checked' | 'decided' | 'issued' | 'firstEntry' | 'lastEntry' | 'lastExit' | 'checkedOut' | 'reported' | 'archived' | 'revoked'
  | 'cancelled' | 'mismatchAcknowledged' | 'expired';

/** A visit to the server room, from request to archive. */
export interface Visit {
  /** Visit id, e.g. `V-20261123-001`. */
  id: string;
  /** Ordinary or maintenance visit. */
  kind: VisitKind;
  /** SOP state. */
  state: VisitState;
  /** Inside / outside once the badge is issued; null before. */
  presence: Presence | null;
  /** Identity from the form. */
  visitor: Visitor;
  /** Purpose of the visit. */
  purpose: string;
  /** Planned duration in minutes. */
  plannedMinutes: number;
  /** Devices brought in. */
  devicesIn: Device[];
  /** Devices carried out (recorded at checkout). */
  devicesOut: Device[] | null;
  /** Reference of the request letter / helpdesk ticket (SOP 003), if any. */
  letterRef: string | null;
  /** Keyed hash (HMAC-SHA256, per-site secret) of the KTP chip UID, if the chip was read. */
  ktpHash: string | null;
  /** The KTP card is held at the desk. */
  ktpHeld: boolean;
  /** UID of the issued special badge (null before issue, after return, or when lost). */
  badgeUid: string | null;
  /** Approval valid from (ms). */
  validFrom: number | null;
  /** Approval valid until (ms). */
  validUntil: number | null;
  /** When each milestone happened. */
  at: Partial<Record<Milestone, number>>;
  /** Officer id behind each milestone. */
  by: Partial<Record<Milestone, string>>;
  /** Reason given for a denial. */
  denyReason: string | null;
  /** Reason given for a revocation. */
  revokeReason: string | null;
  /** Maintenance disposition (SOP 002), for kind maintenance. */
  disposition: Disposition | null;
  /** Milliseconds spent inside over all completed stays (re-entries add up). */
  insideMs?: number;
  /** Checklist completed during a maintenance visit (SOP 002). */
  checklist?: ChecklistItem[];
  /** When `alarm.visit_overstay` was raised: the approval ended while the visitor was inside (ms). */
  overstayAt?: number;
  /** The officer who escorted the visitor's last entry (from the grant; null: no escort required), once they entered. */
  escort?: string | null;
  /** Checked out with a device mismatch not yet acknowledged by a head: the KTP stays held until then. */
  mismatchPending?: boolean;
  /** Why a request that never came was closed (state cancelled). */
  cancelReason?: CancelReason;
  /** Why the request expired (state expired). */
  expiryReason?: ExpiryReason;
  /** Keyed hash of the NIK (`nikHash` of src/app/secret.ts): how a data-subject request finds the person's visits; null once purged. */
  nikHash?: string | null;
  /** Set once the personal fields and free text were erased (retention or a subject's request). */
  purged?: VisitPurge;
  /** The visitor's acknowledgement of the server-room rules at badge issue (issue 14; absent on visits issued before it). */
  rulesAck?: RulesAcknowledgement;
}

/** The server-room rules acknowledged by the visitor when the badge was issued. */
export interface RulesAcknowledgement {
  /** Version of the rules text read to the visitor. */
  version: string;
  /** When (ms). */
  at: number;
  /** The officer who issued the badge and confirmed the acknowledgement. */
  officer: string;
}

/** One item of a maintenance checklist (SOP 002: component condition). */
export interface ChecklistItem {
  /** What was checked, e.g. "UPS battery" or "core switch". */
  item: string;
  /** Its condition. */
  status: 'ok' | 'degraded' | 'failed';
  /** Measured value or remark. */
  note: string | null;
}

/** The disposition that ordered a maintenance visit (SOP 002). */
export interface Disposition {
  /** Who ordered it (name or officer id). */
  orderedBy: string;
  /** Letter / memo reference. */
  reference: string;
  /** Date of the disposition (YYYY-MM-DD). */
  date: string;
}

/** A card tap as the access decision sees it. */
export interface Tap {
  /** Reader id. */
  readerId: string;
  /** Entering (`in`) or leaving (`out`). */
  direction: 'in' | 'out';
  /** Card UID, upper-case hex. */
  uid: string;
  /** When it happened (ms). */
  at: number;
  /** What the reader proved about the card (absent: only its UID was read, `uid-only`). */
  proof?: CardProof;
  /** The reader authenticates cards (`readers[].secure: ntag424`; absent: a plain reader). */
  readerSecure?: boolean;
}

/** The enumerated reasons a tap is refused. */
export type DenyReason =
  | 'unknown-badge' | 'not-approved' | 'not-yet-valid' | 'expired' | 'revoked' | 'returned' | 'lost'
  | 'escort-missing' | 'passback' | 'door-disabled'
  | 'clone-suspected' | 'badge-key-retired' | 'insecure-badge' | 'insecure-reader';
/** All deny reasons. */
export const DENY_REASONS: readonly DenyReason[] = [
  'unknown-badge', 'not-approved', 'not-yet-valid', 'expired', 'revoked', 'returned', 'lost', 'escort-missing', 'passback', 'door-disabled',
  'clone-suspected', 'badge-key-retired', 'insecure-badge', 'insecure-reader',
];

/** Events are typed by the catalogue (`./events.ts`); re-exported here for the modules that import them with the other domain types. */
export type { DomainEvent } from './events.js';

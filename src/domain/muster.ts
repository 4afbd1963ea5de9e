/**
 * The muster list (issue 14 item 7): who is inside the server room now — visitors with their visit, institution, badge,
 * escort, devices and since when, and officers — built from the door's own records only (no centre, no network), so it
 * works with the WAN down. Pure: the caller reads the store. No NIK, phone or KTP in it: names are what a muster needs.
 */
import type { Device, Officer, Role, Visit } from './types.js';

/** One visitor inside. */
export interface MusterVisitor {
  /** Visit id. */
  visit: string;
  /** Ordinary or maintenance visit. */
  kind: Visit['kind'];
  /** The visitor's name. */
  name: string;
  /** The visitor's institution. */
  org: string;
  /** The label of the special badge the visitor holds, or null. */
  badge: string | null;
  /** The officer who escorted the last entry (id and name), or null. */
  escort: { id: string; name: string } | null;
  /** Devices brought in (description and serial). */
  devices: Device[];
  /** Inside since (the last entry), ms, or null when unknown. */
  since: number | null;
}

/** One officer inside. */
export interface MusterOfficer {
  /** Officer id. */
  id: string;
  /** The officer's name. */
  name: string;
  /** SOP role. */
  role: Role;
  /** Inside since (their last entry), ms, or null when unknown. */
  since: number | null;
}

/** Who is inside, as of `at`. */
export interface MusterList {
  /** The door. */
  door: string;
  /** When the list was read, ms. */
  at: number;
  /** Visitors inside, longest inside first. */
  visitors: MusterVisitor[];
  /** Officers inside, longest inside first. */
  officers: MusterOfficer[];
  /** Everyone inside (visitors + officers). */
  count: number;
}

/** What the list is built from: the store's "inside" rows and two look-ups. */
export interface MusterSource {
  /** The door id. */
  door: string;
  /** Now, ms. */
  at: number;
  /** Visits whose visitor is inside. */
  visits: readonly Visit[];
  /** Officers inside. */
  officers: readonly Officer[];
  /** A badge's printed label by its UID (null: unknown). */
  badgeLabel(uid: string): string | null;
  /** An officer's name by id (null: unknown). */
  officerName(id: string): string | null;
}

const bySince = <T extends { since: number | null }>(a: T, b: T): number => (a.since ?? 0) - (b.since ?? 0);

/** Build the muster list. */
export function musterList(src: MusterSource): MusterList {
  const visitors = src.visits.map((v): MusterVisitor => ({
    visit: v.id, kind: v.kind, name: v.visitor.name, org: v.visitor.org,
    badge: v.badgeUid ? src.badgeLabel(v.badgeUid) : null,
    escort: v.escort ? { id: v.escort, name: src.officerName(v.escort) ?? v.escort } : null,
    devices: v.devicesIn.map((d) => ({ description: d.description, serial: d.serial })),
    since: v.at.lastEntry ?? null,
  })).sort(bySince);
  const officers = src.officers.map((o): MusterOfficer => ({ id: o.id, name: o.name, role: o.role, since: o.enteredAt })).sort(bySince);
  return { door: src.door, at: src.at, visitors, officers, count: visitors.length + officers.length };
}

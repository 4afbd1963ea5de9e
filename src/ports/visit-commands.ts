/**
 * The visit commands an inbound adapter may run (the centre's signed commands through the central link): the port
 * the adapters depend on, implemented by the app's `VisitService` and handed to them by the composition root.
 */
import type { Device, Disposition, Visit, VisitKind } from '../domain/types.js';

/** What the officer fills in at intake (SOP step 1). */
export interface VisitRequest {
  /** Visitor's full name. */
  name: string;
  /** Visitor's NIK. */
  nik: string;
  /** Institution. */
  org: string;
  /** Phone, optional. */
  phone?: string | null;
  /** Purpose of the visit. */
  purpose: string;
  /** Planned duration in minutes (default 60). */
  plannedMinutes?: number;
  /** Devices brought in. */
  devices?: Device[];
  /** Request letter / helpdesk ticket reference. */
  letterRef?: string | null;
  /** KTP chip UID as read at the desk (hashed before storage). */
  ktpUid?: string | null;
  /** Visit kind (maintenance visits carry a disposition, SOP 002). */
  kind?: VisitKind;
  /** Disposition ordering a maintenance visit. */
  disposition?: Disposition | null;
  /** Officer doing the intake. */
  by?: string | null;
  /**
   * When the intake began at the desk (the console's request form was opened), ms: SOP step 1 is timed from it. Ignored
   * unless within the last 24 hours (not in the future); absent (the CLI, the centre's pre-registration): step 1 untimed.
   */
  startedAt?: number | null;
}

/** Visit commands from outside the door (the centre): each one is one transaction, refused with a UserError naming what was wrong. */
export interface VisitCommands {
  /** The office's time zone (a time given without an offset is read in it). */
  readonly timeZone: string;
  /** File a visit request (SOP step 1; the centre's `preregister`). */
  request(req: VisitRequest): Visit;
  /** A head approves a visit, optionally for a given window (ms). */
  approve(id: string, by: string, opts?: { from?: number; until?: number }): Visit;
  /** A head denies a visit, with the reason. */
  deny(id: string, by: string, reason: string): Visit;
  /** A head revokes an approval, with the reason. */
  revoke(id: string, by: string, reason: string): Visit;
}

/**
 * SOP steps and their time standards (Mutu Baku, SOP 001/004), and who may do what.
 *
 * Which steps the door times, and how SOP 001's own numbering (Rejang Lebong, the SOP with a standard per step, 1–8)
 * maps onto the merged procedure of shared/sop/README.md (0–7) and pintu's measured steps (`sopStep` on the event):
 *
 * | SOP 001 | activity (Mutu Baku)                           | merged | measured as (event; from → to)                                        |
 * |---------|------------------------------------------------|--------|-----------------------------------------------------------------------|
 * | –       | (003) request filed ahead on a helpdesk site (15) | 0   | not at the door: the centre's pre-registration happens at the centre   |
 * | 1       | form filled, ID handed over (5 min)            | 1      | request (visit.requested; console form opened → request recorded)     |
 * | 2       | completeness checked (5)                       | 2      | check (visit.checked; request → check)                                |
 * | 3       | verified, access decided (5)                   | 3      | decide (visit.approved/denied; check → decision), issue (badge.issued; decision → badge) |
 * | 4       | inside, escorted and supervised (15)           | 4      | inside (visit.checked_out `insideSeconds`; every stay added up)       |
 * | 5       | ID back, exit time recorded (5)                | 5      | checkout (visit.checked_out; last exit → checkout)                    |
 * | 6       | coordinator reports (10)                       | 6      | report (visit.reported; checkout → report)                            |
 * | 7       | head orders archiving (10)                     | 6      | inside `archive`: the head's order is no record of its own at the door |
 * | 8       | staff archives (11)                            | 7      | archive (visit.archived; report → archive)                            |
 *
 * Step 1 is timed only where the door sees the intake start (the officers' console); a request from the CLI or a
 * pre-registration from the centre carries step 1 without a duration. SOP 001's steps 7 and 8 both fall between the
 * report and the archive, so the door times them together as `archive` against `sop.standardsMinutes.archive`.
 */
import type { Role } from './types.js';

/** Steps of the merged access procedure whose duration is measured. */
export type SopStep = 'request' | 'check' | 'decide' | 'issue' | 'inside' | 'checkout' | 'report' | 'archive';

/** SOP step number (shared/sop/README.md) for each measured step. */
export const STEP_NUMBER: Record<SopStep, number> = {
  request: 1, check: 2, decide: 3, issue: 3, inside: 4, checkout: 5, report: 6, archive: 7,
};

/** SOP 001's steps (1–8), the merged step each belongs to, and the measured steps that time it (none: not its own record). */
export const SOP_001_STEPS: readonly { step: number; merged: number; timedAs: readonly SopStep[] }[] = [
  { step: 1, merged: 1, timedAs: ['request'] },
  { step: 2, merged: 2, timedAs: ['check'] },
  { step: 3, merged: 3, timedAs: ['decide', 'issue'] },
  { step: 4, merged: 4, timedAs: ['inside'] },
  { step: 5, merged: 5, timedAs: ['checkout'] },
  { step: 6, merged: 6, timedAs: ['report'] },
  { step: 7, merged: 6, timedAs: [] },
  { step: 8, merged: 7, timedAs: ['archive'] },
];

/** Time standards in minutes per step. */
export type SopStandards = Record<SopStep, number>;

/** Defaults from SOP 001 (Rejang Lebong) and 004 (Cirebon). */
export const DEFAULT_STANDARDS: SopStandards = {
  request: 5, check: 5, decide: 5, issue: 5, inside: 15, checkout: 5, report: 10, archive: 11,
};

/** Officer actions on a visit. */
export type VisitAction = 'request' | 'check' | 'approve' | 'deny' | 'issue' | 'checkout' | 'report' | 'archive' | 'revoke' | 'badge_lost' | 'incident' | 'checklist'
  | 'cancel' | 'acknowledge_mismatch' | 'badge_found';

/** Which roles may perform each action (SOP: staff does intake and badges, coordinator checks and reports, head decides). */
export const ALLOWED_ROLES: Record<VisitAction, readonly Role[]> = {
  request: ['staff', 'coordinator', 'head'],
  check: ['staff', 'coordinator'],
  approve: ['head'],
  deny: ['head'],
  issue: ['staff', 'coordinator'],
  checkout: ['staff', 'coordinator'],
  report: ['coordinator', 'head'],
  archive: ['staff', 'head'],
  revoke: ['head'],
  badge_lost: ['staff', 'coordinator', 'head'],
  incident: ['staff', 'coordinator', 'head'],
  checklist: ['staff', 'coordinator', 'head'],
  cancel: ['staff', 'coordinator', 'head'],
  acknowledge_mismatch: ['head'],
  badge_found: ['head'],
};

/** Step timing attached to a transition event: how long the step took against its standard. */
export interface StepTiming {
  /** SOP step number. */
  step: number;
  /** Name of the measured step. */
  sopStep: SopStep;
  /** Seconds the step took. */
  durationSeconds: number;
  /** The standard in seconds. */
  standardSeconds: number;
  /** The step took longer than its standard. */
  overStandard: boolean;
}

/** Measure a step from `from` to `to` (ms) against the standards. */
export function timeStep(step: SopStep, from: number | undefined, to: number, standards: SopStandards): StepTiming | { step: number; sopStep: SopStep } {
  if (from === undefined) return { step: STEP_NUMBER[step], sopStep: step };
  const durationSeconds = Math.max(0, Math.round((to - from) / 1000));
  const standardSeconds = Math.round(standards[step] * 60);
  return { step: STEP_NUMBER[step], sopStep: step, durationSeconds, standardSeconds, overStandard: durationSeconds > standardSeconds };
}

/** Whether a step result carries a measured duration. */
export function isTimed(t: StepTiming | { step: number; sopStep: SopStep }): t is StepTiming {
  return 'durationSeconds' in t;
}

/**
 * SOP steps and their time standards (Mutu Baku, SOP 001/004), and who may do what.
 */
import type { Role } from './types.js';

/** Steps of the merged access procedure whose duration is measured. */
export type SopStep = 'request' | 'check' | 'decide' | 'issue' | 'inside' | 'checkout' | 'report' | 'archive';

/** SOP step number (shared/sop/README.md) for each measured step. */
export const STEP_NUMBER: Record<SopStep, number> = {
  request: 1, check: 2, decide: 3, issue: 3, inside: 4, checkout: 5, report: 6, archive: 7,
};

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

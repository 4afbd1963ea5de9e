import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { applyPresence, applyVisitCommand, deviceMismatch, expireRequest, newVisit, type VisitCommand } from '../../src/domain/visit.js';
import { ALLOWED_ROLES, DEFAULT_STANDARDS, type VisitAction } from '../../src/domain/sop.js';
import { ROLES, VISIT_STATES, type Device, type DomainEvent, type Officer, type Role, type Visit, type VisitorBadge, type VisitState } from '../../src/domain/types.js';

const MIN = 60_000;
/** The server-room rules acknowledged at badge issue (issue 14). */
const RULES = { version: '2026-1' };
const T0 = Date.UTC(2026, 10, 23, 1, 0, 0);
const NAME = 'Siti Rahmawati Kusumadewi';
const NIK = '3273015508900001';
const PHONE = '+62 812-3456-7890';

const off = (id: string, role: Role, active = true): Officer => ({ id, name: `Petugas ${id}`, role, badgeUid: `0A0B${id}`, active, presence: 'outside', enteredAt: null });
const STAFF = off('O1', 'staff');
const COORD = off('O2', 'coordinator');
const HEAD = off('O3', 'head');
const badge = (n: number, status: VisitorBadge['status'] = 'available', visitId: string | null = null): VisitorBadge => ({ uid: `04A1B2C3D4E5${n}0`, label: `TAMU-0${n}`, status, visitId });
const LAPTOP: Device = { description: 'Laptop Dell Latitude', serial: 'CN-0X7 45B' };

function fresh(devicesIn: Device[] = [LAPTOP]): { visit: Visit; event: DomainEvent } {
  return newVisit({
    id: 'V-20261123-001', kind: 'visit', visitor: { name: NAME, nik: NIK, org: 'PT Telkom', phone: PHONE }, purpose: 'ganti hard disk server SIMPEG',
    plannedMinutes: 30, devicesIn, letterRef: 'ND-123/2026', ktpHash: 'ab'.repeat(32), disposition: null,
  }, T0, STAFF.id);
}

function ok(visit: Visit, cmd: VisitCommand, now: number): { visit: Visit; events: DomainEvent[] } {
  const r = applyVisitCommand(visit, cmd, now, DEFAULT_STANDARDS);
  if (!r.ok) throw new Error(`unexpected refusal: ${r.error}`);
  return r;
}
function refused(visit: Visit, cmd: VisitCommand, now: number): string {
  const before = structuredClone(visit);
  const r = applyVisitCommand(visit, cmd, now, DEFAULT_STANDARDS);
  expect(visit).toEqual(before);
  if (r.ok) throw new Error(`expected a refusal of ${cmd.type} on ${visit.state}`);
  return r.error;
}

/** A visit driven to the given state through the SOP path, at T0 + a few minutes. */
function at(state: 'checked' | 'approved' | 'issued' | 'checked_out' | 'denied'): Visit {
  let v = fresh().visit;
  if (state === 'denied') return ok(v, { type: 'deny', by: HEAD, reason: 'tidak ada surat tugas' }, T0 + MIN).visit;
  v = ok(v, { type: 'check', by: COORD }, T0 + MIN).visit;
  if (state === 'checked') return v;
  v = ok(v, { type: 'approve', by: HEAD, until: T0 + 120 * MIN }, T0 + 2 * MIN).visit;
  if (state === 'approved') return v;
  v = ok(v, { type: 'issue', by: STAFF, badge: badge(1), rules: RULES }, T0 + 3 * MIN).visit;
  if (state === 'issued') return v;
  return ok(v, { type: 'checkout', by: STAFF, devicesOut: [LAPTOP] }, T0 + 30 * MIN).visit;
}

describe('the SOP path, step by step', () => {
  it('requested → checked → approved → issued → enter/exit → checked_out → reported → archived', () => {
    const req = fresh();
    let v = req.visit;
    expect(v).toMatchObject({ state: 'requested', presence: null, badgeUid: null, ktpHeld: false, at: { requested: T0 }, by: { requested: 'O1' } });
    expect(req.event).toMatchObject({ type: 'visit.requested', data: { visit: v.id, step: 1, officer: 'O1', org: 'PT Telkom', ktpRead: true, letterRef: 'ND-123/2026' } });

    // Step 2 within its 5-minute standard.
    let r = ok(v, { type: 'check', by: COORD }, T0 + 4 * MIN);
    v = r.visit;
    expect(v.state).toBe('checked');
    expect(r.events).toEqual([{ type: 'visit.checked', data: { visit: v.id, officer: 'O2', step: 2, sopStep: 'check', durationSeconds: 240, standardSeconds: 300, overStandard: false } }]);

    // Step 3 decision took 6 minutes: over the 5-minute standard.
    const t2 = T0 + 10 * MIN;
    r = ok(v, { type: 'approve', by: HEAD, until: t2 + 120 * MIN }, t2);
    v = r.visit;
    expect(v).toMatchObject({ state: 'approved', validFrom: t2, validUntil: t2 + 120 * MIN, at: { decided: t2 }, by: { decided: 'O3' } });
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({ type: 'visit.approved', data: { officer: 'O3', step: 3, durationSeconds: 360, standardSeconds: 300, overStandard: true, validFrom: new Date(t2).toISOString(), validUntil: new Date(t2 + 120 * MIN).toISOString() } });

    // Step 3 badge issued 3 minutes later; the KTP is now held.
    const t3 = t2 + 3 * MIN;
    r = ok(v, { type: 'issue', by: STAFF, badge: badge(1), rules: RULES }, t3);
    v = r.visit;
    expect(v).toMatchObject({ state: 'issued', presence: 'outside', badgeUid: badge(1).uid, ktpHeld: true, at: { issued: t3 }, by: { issued: 'O1' } });
    expect(r.events).toEqual([{ type: 'badge.issued', data: { visit: v.id, officer: 'O1', badge: badge(1).uid, label: 'TAMU-01', ktpHeld: true, reissue: false, rulesVersion: '2026-1', step: 3, sopStep: 'issue', durationSeconds: 180, standardSeconds: 300, overStandard: false } }]);

    // Step 4: inside 4 + 15 = 19 minutes (standard 15); leaving and coming back keeps the first entry.
    v = applyPresence(v, { type: 'enter', readerId: 'in' }, t3 + MIN);
    expect(v).toMatchObject({ presence: 'inside', at: { firstEntry: t3 + MIN } });
    v = applyPresence(v, { type: 'exit', readerId: 'out' }, t3 + 5 * MIN);
    v = applyPresence(v, { type: 'enter', readerId: 'in' }, t3 + 6 * MIN);
    expect(v.at.firstEntry).toBe(t3 + MIN);
    v = applyPresence(v, { type: 'exit', readerId: 'out' }, t3 + 21 * MIN);
    expect(v).toMatchObject({ presence: 'outside', at: { lastExit: t3 + 21 * MIN } });

    // Step 5: checkout 2 minutes after the exit; same laptop, serial written differently.
    const t5 = t3 + 23 * MIN;
    r = ok(v, { type: 'checkout', by: STAFF, devicesOut: [{ description: 'laptop', serial: 'cn0x7-45b' }] }, t5);
    v = r.visit;
    expect(v).toMatchObject({ state: 'checked_out', presence: 'outside', badgeUid: null, ktpHeld: false, at: { checkedOut: t5 }, by: { checkedOut: 'O1' } });
    expect(r.events.map((e) => e.type)).toEqual(['visit.checked_out', 'badge.returned']);
    expect(r.events[0]!.data).toMatchObject({ officer: 'O1', badge: badge(1).uid, ktpReturned: true, wasInside: false, devicesOut: 1, step: 5, durationSeconds: 120, standardSeconds: 300, overStandard: false, insideSeconds: 19 * 60, insideStandardSeconds: 900, insideOverStandard: true });
    expect(r.events[1]!.data).toEqual({ visit: v.id, officer: 'O1', badge: badge(1).uid });

    // Step 6: the coordinator reports within 10 minutes; reporting is a milestone, not a state.
    const t6 = t5 + 7 * MIN;
    r = ok(v, { type: 'report', by: COORD, note: 'disk diganti, tidak ada insiden' }, t6);
    v = r.visit;
    expect(v).toMatchObject({ state: 'checked_out', at: { reported: t6 }, by: { reported: 'O2' } });
    expect(r.events).toEqual([{ type: 'visit.reported', data: { visit: v.id, officer: 'O2', note: 'disk diganti, tidak ada insiden', step: 6, sopStep: 'report', durationSeconds: 420, standardSeconds: 600, overStandard: false } }]);
    expect(refused(v, { type: 'report', by: HEAD }, t6 + MIN)).toMatch(/already reported/);

    // Step 7: archiving took 12 minutes (standard 11).
    r = ok(v, { type: 'archive', by: STAFF }, t6 + 12 * MIN);
    expect(r.visit.state).toBe('archived');
    expect(r.events).toEqual([{ type: 'visit.archived', data: { visit: v.id, officer: 'O1', step: 7, sopStep: 'archive', durationSeconds: 720, standardSeconds: 660, overStandard: true } }]);
  });

  it('a checkout while the visitor is still inside records wasInside and measures inside time to now', () => {
    let v = at('issued');
    v = applyPresence(v, { type: 'enter', readerId: 'in' }, T0 + 4 * MIN);
    const r = ok(v, { type: 'checkout', by: COORD, devicesOut: [LAPTOP] }, T0 + 14 * MIN);
    expect(r.visit.presence).toBe('outside');
    expect(r.events[0]!.data).toMatchObject({ wasInside: true, insideSeconds: 600, insideOverStandard: false });
  });

  it('a visit that never entered has no inside timing, and the checkout step runs from the issue', () => {
    const r = ok(at('issued'), { type: 'checkout', by: STAFF, devicesOut: [LAPTOP] }, T0 + 13 * MIN);
    expect(r.events[0]!.data).not.toHaveProperty('insideSeconds');
    expect(r.events[0]!.data).toMatchObject({ durationSeconds: 600, overStandard: true });
  });
});

describe('refusals', () => {
  it('a command in the wrong state names the visit, its state and the states it is allowed from', () => {
    const e = refused(fresh().visit, { type: 'approve', by: HEAD, until: T0 + 60 * MIN }, T0 + MIN);
    expect(e).toContain('V-20261123-001');
    expect(e).toContain('requested');
    expect(e).toContain('checked');
    expect(refused(at('checked'), { type: 'check', by: STAFF }, T0 + 5 * MIN)).toMatch(/is checked/);
    expect(refused(at('checked'), { type: 'issue', by: STAFF, badge: badge(1), rules: RULES }, T0 + 5 * MIN)).toMatch(/is checked/);
    expect(refused(at('approved'), { type: 'checkout', by: STAFF, devicesOut: [] }, T0 + 5 * MIN)).toMatch(/is approved/);
    expect(refused(at('issued'), { type: 'report', by: COORD }, T0 + 5 * MIN)).toMatch(/is issued/);
    expect(refused(at('issued'), { type: 'archive', by: STAFF }, T0 + 5 * MIN)).toMatch(/is issued/);
    expect(refused(at('denied'), { type: 'issue', by: STAFF, badge: badge(1), rules: RULES }, T0 + 5 * MIN)).toMatch(/is denied/);
    expect(refused(at('approved'), { type: 'deny', by: HEAD, reason: 'x' }, T0 + 5 * MIN)).toMatch(/is approved/);
  });

  it('roles follow the SOP: staff cannot decide, the head does not do intake or badges', () => {
    expect(refused(at('checked'), { type: 'approve', by: STAFF, until: T0 + 60 * MIN }, T0 + 5 * MIN)).toMatch(/O1 is staff; only head may approve/);
    expect(refused(at('checked'), { type: 'approve', by: COORD, until: T0 + 60 * MIN }, T0 + 5 * MIN)).toMatch(/only head/);
    expect(refused(at('checked'), { type: 'deny', by: STAFF, reason: 'x' }, T0 + 5 * MIN)).toMatch(/only head may deny/);
    expect(refused(fresh().visit, { type: 'check', by: HEAD }, T0 + 5 * MIN)).toMatch(/O3 is head; only staff or coordinator may check/);
    expect(refused(at('approved'), { type: 'issue', by: HEAD, badge: badge(1), rules: RULES }, T0 + 5 * MIN)).toMatch(/O3 is head/);
    expect(refused(at('issued'), { type: 'revoke', by: COORD, reason: 'x' }, T0 + 5 * MIN)).toMatch(/only head may revoke/);
    expect(refused(at('issued'), { type: 'badge_lost', by: off('O9', 'staff', false) }, T0 + 5 * MIN)).toMatch(/deactivated/);
  });

  it('every command enforces ALLOWED_ROLES, before looking at the state', () => {
    const cmds: VisitCommand[] = [
      { type: 'check', by: STAFF }, { type: 'approve', by: STAFF, until: T0 + 999 * MIN }, { type: 'deny', by: STAFF, reason: 'r' },
      { type: 'issue', by: STAFF, badge: badge(2), rules: RULES }, { type: 'checkout', by: STAFF, devicesOut: [] }, { type: 'report', by: STAFF },
      { type: 'archive', by: STAFF }, { type: 'revoke', by: STAFF, reason: 'r' }, { type: 'badge_lost', by: STAFF },
    ];
    for (const c of cmds) {
      for (const role of ROLES) {
        const r = applyVisitCommand(at('issued'), { ...c, by: off('O7', role) } as VisitCommand, T0 + 10 * MIN, DEFAULT_STANDARDS);
        if (!ALLOWED_ROLES[c.type as VisitAction].includes(role)) expect(r.ok ? '' : r.error, `${role} ${c.type}`).toMatch(/O7 is /);
        else if (!r.ok) expect(r.error).not.toMatch(/O7 is /);
      }
    }
  });

  it('a deactivated officer is refused even with the right role', () => {
    const e = refused(at('checked'), { type: 'approve', by: off('O4', 'head', false), until: T0 + 60 * MIN }, T0 + 5 * MIN);
    expect(e).toMatch(/O4 is deactivated/);
  });

  it('a denial needs a reason (trimmed); denied visits can be archived but not issued', () => {
    expect(refused(at('checked'), { type: 'deny', by: HEAD, reason: '   ' }, T0 + 5 * MIN)).toMatch(/reason/);
    const r = ok(fresh().visit, { type: 'deny', by: HEAD, reason: '  surat tugas tidak ada \n' }, T0 + 7 * MIN);
    expect(r.visit).toMatchObject({ state: 'denied', denyReason: 'surat tugas tidak ada', by: { decided: 'O3' } });
    expect(r.events[0]).toMatchObject({ type: 'visit.denied', data: { reason: 'surat tugas tidak ada', step: 3, durationSeconds: 420, overStandard: true } });
    expect(ok(r.visit, { type: 'archive', by: HEAD }, T0 + 8 * MIN).visit.state).toBe('archived');
  });

  it('an approval must end in the future and after it starts', () => {
    const v = at('checked');
    expect(refused(v, { type: 'approve', by: HEAD, until: T0 + 5 * MIN }, T0 + 5 * MIN)).toMatch(/approval must end/);
    expect(refused(v, { type: 'approve', by: HEAD, from: T0 + 60 * MIN, until: T0 + 30 * MIN }, T0 + 5 * MIN)).toMatch(/approval must end/);
    expect(ok(v, { type: 'approve', by: HEAD, from: T0 + 60 * MIN, until: T0 + 90 * MIN }, T0 + 5 * MIN).visit).toMatchObject({ validFrom: T0 + 60 * MIN, validUntil: T0 + 90 * MIN });
  });

  it('a badge is issued only once the visitor acknowledged the server-room rules; the visit and the event keep the version (issue 14)', () => {
    const v = at('approved');
    const r = applyVisitCommand(v, { type: 'issue', by: STAFF, badge: badge(1), rules: null }, T0 + 4 * MIN, DEFAULT_STANDARDS);
    expect(r).toMatchObject({ ok: false, code: 'rules.unacknowledged' });
    expect(r.ok ? '' : r.error).toMatch(/has not acknowledged the server-room rules/);
    expect(applyVisitCommand(v, { type: 'issue', by: STAFF, badge: badge(1), rules: { version: '' } }, T0 + 4 * MIN, DEFAULT_STANDARDS).ok).toBe(false);
    const done = ok(v, { type: 'issue', by: STAFF, badge: badge(1), rules: RULES }, T0 + 4 * MIN);
    expect(done.visit.rulesAck).toEqual({ version: '2026-1', at: T0 + 4 * MIN, officer: STAFF.id });
    expect(done.events[0]).toMatchObject({ type: 'badge.issued', data: { rulesVersion: '2026-1' } });
  });

  it('a badge cannot be issued after the approval expired', () => {
    expect(refused(at('approved'), { type: 'issue', by: STAFF, badge: badge(1), rules: RULES }, T0 + 120 * MIN)).toMatch(/expired/);
  });

  it('issuing an unavailable badge is refused with its label and status', () => {
    const v = at('approved');
    expect(refused(v, { type: 'issue', by: STAFF, badge: badge(3, 'issued', 'V-20261123-007'), rules: RULES }, T0 + 4 * MIN)).toMatch(/TAMU-03 is issued to visit V-20261123-007/);
    expect(refused(v, { type: 'issue', by: STAFF, badge: badge(3, 'lost', 'V-1'), rules: RULES }, T0 + 4 * MIN)).toMatch(/TAMU-03 is lost/);
    expect(refused(v, { type: 'issue', by: STAFF, badge: badge(3, 'retired'), rules: RULES }, T0 + 4 * MIN)).toMatch(/TAMU-03 is retired/);
  });
});

describe('revocation and lost badges', () => {
  it('revoke works from every open state, needs a reason, and not from closed states', () => {
    for (const v of [fresh().visit, at('checked'), at('approved'), at('issued')]) {
      expect(refused(v, { type: 'revoke', by: HEAD, reason: '' }, T0 + 9 * MIN)).toMatch(/reason/);
      const r = ok(v, { type: 'revoke', by: HEAD, reason: ' perilaku mencurigakan ' }, T0 + 9 * MIN);
      expect(r.visit).toMatchObject({ state: 'revoked', revokeReason: 'perilaku mencurigakan', at: { revoked: T0 + 9 * MIN }, by: { revoked: 'O3' } });
      expect(r.events[0]).toMatchObject({ type: 'visit.revoked', data: { reason: 'perilaku mencurigakan', badge: v.badgeUid } });
    }
    for (const v of [at('denied'), at('checked_out')]) expect(refused(v, { type: 'revoke', by: HEAD, reason: 'x' }, T0 + 40 * MIN)).toMatch(/cannot be revoked/);
  });

  it('a revoked visitor inside still has to be checked out, returning the badge', () => {
    const inside = applyPresence(at('issued'), { type: 'enter', readerId: 'in' }, T0 + 4 * MIN);
    const rev = ok(inside, { type: 'revoke', by: HEAD, reason: 'x' }, T0 + 5 * MIN);
    expect(rev.events[0]!.data).toMatchObject({ presence: 'inside', badge: badge(1).uid });
    expect(refused(rev.visit, { type: 'issue', by: STAFF, badge: badge(2), rules: RULES }, T0 + 6 * MIN)).toMatch(/revoked/);
    const out = ok(rev.visit, { type: 'checkout', by: STAFF, devicesOut: [LAPTOP] }, T0 + 7 * MIN);
    expect(out.visit).toMatchObject({ state: 'checked_out', badgeUid: null, ktpHeld: false });
    expect(out.events.map((e) => e.type)).toContain('badge.returned');
  });

  it('badge lost, then a new badge is issued (reissue, no new issue milestone)', () => {
    const v = at('issued');
    expect(refused(v, { type: 'issue', by: STAFF, badge: badge(2), rules: RULES }, T0 + 5 * MIN)).toMatch(/mark it lost first/);
    const lost = ok(v, { type: 'badge_lost', by: COORD }, T0 + 5 * MIN);
    expect(lost.visit).toMatchObject({ state: 'issued', badgeUid: null });
    expect(lost.events).toEqual([{ type: 'badge.lost', data: { visit: v.id, officer: 'O2', badge: badge(1).uid } }]);
    expect(refused(lost.visit, { type: 'badge_lost', by: COORD }, T0 + 6 * MIN)).toMatch(/holds no badge/);
    const re = ok(lost.visit, { type: 'issue', by: STAFF, badge: badge(2), rules: RULES }, T0 + 6 * MIN);
    expect(re.visit).toMatchObject({ state: 'issued', badgeUid: badge(2).uid, at: { issued: v.at.issued } });
    expect(re.events).toEqual([{ type: 'badge.issued', data: { visit: v.id, officer: 'O1', badge: badge(2).uid, label: 'TAMU-02', ktpHeld: true, reissue: true, rulesVersion: '2026-1' } }]);
    const out = ok(re.visit, { type: 'checkout', by: STAFF, devicesOut: [LAPTOP] }, T0 + 9 * MIN);
    expect(out.events.find((e) => e.type === 'badge.returned')?.data.badge).toBe(badge(2).uid);
  });
});

describe('devices at checkout', () => {
  const PHONE_DEV: Device = { description: 'HP', serial: 'R58N-12 ab' };
  /** Check out a visit that brought in [LAPTOP], carrying out `outD`. */
  const mismatchOf = (outD: Device[]): DomainEvent | undefined => {
    const v = applyVisitCommand(at('issued'), { type: 'checkout', by: STAFF, devicesOut: outD }, T0 + 9 * MIN, DEFAULT_STANDARDS);
    return v.ok ? v.events.find((e) => e.type === 'visit.device_mismatch') : undefined;
  };

  it('no mismatch event when the serials match, ignoring case, spaces and dashes', () => {
    expect(mismatchOf([{ description: 'x', serial: 'cn0x745b' }])).toBeUndefined();
    expect(mismatchOf([{ description: 'x', serial: ' C-N-0-X-7-4-5-B ' }])).toBeUndefined();
  });

  it('a device left inside, and a device carried out that was not brought in', () => {
    expect(mismatchOf([])?.data).toMatchObject({ notCarriedOut: [LAPTOP], notBroughtIn: [] });
    expect(mismatchOf([LAPTOP, PHONE_DEV])?.data).toMatchObject({ notCarriedOut: [], notBroughtIn: [PHONE_DEV] });
    expect(mismatchOf([PHONE_DEV])?.data).toMatchObject({ visit: 'V-20261123-001', officer: 'O1', notCarriedOut: [LAPTOP], notBroughtIn: [PHONE_DEV] });
  });

  it('deviceMismatch compares by normalised serial both ways', () => {
    expect(deviceMismatch([LAPTOP, PHONE_DEV], [{ description: 'a', serial: 'r58n12AB' }])).toEqual({ notCarriedOut: [LAPTOP], notBroughtIn: [] });
    expect(deviceMismatch([], [])).toEqual({ notCarriedOut: [], notBroughtIn: [] });
    expect(deviceMismatch([LAPTOP], [{ description: 'a', serial: 'CN0X745C' }]).notBroughtIn).toHaveLength(1);
  });
});

// Allowed transitions, from the SOP (README, steps 1-7, revocation and lost badges).
// Issue 12: a request that never came is cancelled (or a no-show) and archived; a checkout with a device mismatch stays
// checked_out with the KTP held until a head acknowledges it (checked_out > checked_out), and is archived only after.
const NEXT: Record<VisitState, readonly VisitState[]> = {
  requested: ['checked', 'denied', 'revoked', 'cancelled', 'expired'],
  checked: ['approved', 'denied', 'revoked', 'cancelled', 'expired'],
  approved: ['issued', 'revoked', 'cancelled', 'expired'],
  issued: ['issued', 'checked_out', 'revoked'],
  revoked: ['revoked', 'checked_out', 'archived'], // archived only once no badge or KTP is held
  checked_out: ['checked_out', 'archived'],
  denied: ['archived'],
  cancelled: ['archived'],
  expired: ['archived'], // issue 14: reached only by expireRequest (no officer command), archived like a cancellation
  archived: [],
};

describe('property: random command sequences', () => {
  const officerArb = fc.record({ id: fc.constantFrom('O1', 'O2', 'O3', 'O4'), role: fc.constantFrom(...ROLES), active: fc.integer({ min: 0, max: 9 }).map((n) => n > 0) })
    .map(({ id, role, active }) => off(id, role, active));
  const badgeArb = fc.record({ n: fc.integer({ min: 1, max: 4 }), status: fc.constantFrom<VisitorBadge['status']>('available', 'available', 'available', 'issued', 'lost', 'retired') })
    .map(({ n, status }) => badge(n, status, status === 'available' ? null : 'V-OTHER'));
  const deviceArb = fc.constantFrom<Device[]>([], [LAPTOP], [{ description: 'x', serial: 'cn0x745B' }], [{ description: 'y', serial: 'ZZ9' }]);
  const stepArb = fc.record({
    dt: fc.integer({ min: 0, max: 10 * MIN }),
    by: officerArb,
    cmd: fc.constantFrom('check', 'approve', 'deny', 'issue', 'checkout', 'report', 'archive', 'revoke', 'badge_lost', 'enter', 'exit', 'cancel', 'acknowledge_mismatch', 'expire'),
    reason: fc.constantFrom('', '  ', 'alasan', 'alasan lain'),
    until: fc.integer({ min: -30 * MIN, max: 480 * MIN }),
    badge: badgeArb,
    devices: deviceArb,
    forward: fc.integer({ min: 0, max: 9 }),
    pick: fc.nat(),
  });
  // To walk deep into the graph, most steps try a command that moves the SOP on from the current state.
  const FORWARD: Record<VisitState, readonly string[]> = {
    // (cancel, issue 12, closes a visit early: weighted like the other side exits, so the walk still reaches issued often)
    requested: ['check', 'check', 'check', 'deny', 'revoke', 'cancel', 'expire'], checked: ['approve', 'approve', 'approve', 'deny', 'revoke', 'cancel', 'expire'],
    approved: ['issue', 'issue', 'issue', 'revoke', 'cancel', 'expire'],
    issued: ['enter', 'exit', 'enter', 'checkout', 'badge_lost', 'issue', 'revoke', 'revoke'],
    revoked: ['checkout', 'badge_lost', 'archive'], checked_out: ['report', 'archive', 'acknowledge_mismatch'], denied: ['archive'], cancelled: ['archive'], expired: ['archive'], archived: [],
  };

  it('only allowed transitions; refusals leave the input untouched; events non-empty and free of personal data', () => {
    const seen = new Set<string>();
    fc.assert(fc.property(fc.array(stepArb, { minLength: 5, maxLength: 40, size: 'max' }), (steps) => {
      let { visit: v, event } = fresh();
      const all: DomainEvent[] = [event];
      let now = T0;
      for (const s of steps) {
        now += s.dt;
        const fwd = FORWARD[v.state];
        const type = s.forward < 7 && fwd.length ? fwd[s.pick % fwd.length]! : s.cmd;
        if (type === 'enter' || type === 'exit') {
          if (v.state === 'issued') v = applyPresence(v, { type, readerId: 'r' }, now);
          continue;
        }
        // Issue 14: the maintenance job expires a request that never reached the door (undecided: here at once; an approval: at its end).
        if (type === 'expire') {
          const x = expireRequest(v, now, 0);
          if (!x) continue;
          expect(NEXT[v.state], `${v.state} -> expired`).toContain(x.visit.state);
          seen.add(`${v.state}>${x.visit.state}`);
          expect(x.event.data.visit).toBe(v.id);
          all.push(x.event);
          v = x.visit;
          continue;
        }
        const reason = type === 'cancel' ? (s.pick % 2 ? 'cancelled' : 'no_show') : s.reason;
        const cmd = { type, by: s.by, reason, until: now + s.until, badge: s.badge, devicesOut: s.devices, rules: RULES } as VisitCommand;
        const before = structuredClone(v);
        const r = applyVisitCommand(v, cmd, now, DEFAULT_STANDARDS);
        expect(v).toEqual(before);
        if (!r.ok) {
          expect(typeof r.error).toBe('string');
          expect(r.error.length).toBeGreaterThan(5);
          continue;
        }
        expect(NEXT[v.state], `${v.state} -> ${r.visit.state} by ${cmd.type}`).toContain(r.visit.state);
        expect(VISIT_STATES).toContain(r.visit.state);
        seen.add(`${v.state}>${r.visit.state}`);
        expect(s.by.active).toBe(true);
        expect(ALLOWED_ROLES[cmd.type as VisitAction]).toContain(s.by.role);
        expect(r.events.length).toBeGreaterThan(0);
        for (const e of r.events) expect(e.data).toMatchObject({ visit: v.id, officer: s.by.id });
        if (r.visit.state === 'issued') expect(r.visit).toMatchObject({ ktpHeld: true, presence: expect.anything() });
        // Checked out: the KTP stays held exactly while a device mismatch waits for a head (issue 12); never archived with it.
        if (r.visit.state === 'checked_out') expect(r.visit).toMatchObject({ ktpHeld: r.visit.mismatchPending === true, badgeUid: null });
        if (r.visit.state === 'archived') expect(r.visit).toMatchObject({ ktpHeld: false, badgeUid: null });
        if (cmd.type === 'acknowledge_mismatch') expect(s.by.role).toBe('head');
        all.push(...r.events);
        v = r.visit;
      }
      const json = JSON.stringify(all.map((e) => e.data));
      expect(json).not.toContain(NAME);
      expect(json).not.toContain(NIK);
      expect(json).not.toContain(PHONE);
      expect(json).not.toContain('Rahmawati');
    }), { numRuns: 4000 });
    // The generator must actually walk the whole graph, or the property proves little. With expire in the graph (issue
    // 14) 1,500 runs once missed two rare edges (approved>expired, revoked>revoked) on a fresh clone: 4000 now (~4 s).
    const expected = Object.entries(NEXT).flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`));
    expect([...seen].sort()).toEqual(expected.sort());
  });
});

describe('time inside and maintenance checklists', () => {
  it('adds up the time inside over re-entries, and counts a visitor still inside at checkout until then', () => {
    let v = at('issued');
    v = applyPresence(v, { type: 'enter', readerId: 'in' }, T0 + 4 * MIN);
    v = applyPresence(v, { type: 'exit', readerId: 'out' }, T0 + 5 * MIN);
    v = applyPresence(v, { type: 'enter', readerId: 'in' }, T0 + 6 * MIN);
    const r = ok(v, { type: 'checkout', by: STAFF, devicesOut: [LAPTOP] }, T0 + 16 * MIN);
    const out = r.events.find((e) => e.type === 'visit.checked_out')!;
    expect(out.data).toMatchObject({ wasInside: true, insideSeconds: 11 * 60, durationSeconds: 0, overStandard: false });
    expect(r.visit.insideMs).toBe(11 * MIN);
  });

  it('records a checklist only on maintenance visits, with counts per condition', () => {
    const items = [{ item: 'UPS battery', status: 'degraded' as const, note: 'runtime 6 min' }, { item: 'core switch', status: 'ok' as const, note: null }];
    expect(refused(at('issued'), { type: 'checklist', by: STAFF, items }, T0 + 10 * MIN)).toMatch(/not a maintenance visit/);
    const m: Visit = { ...at('issued'), kind: 'maintenance', disposition: { orderedBy: 'Kabag TU', reference: 'ND-7/2026', date: '2026-11-20' } };
    expect(refused(m, { type: 'checklist', by: STAFF, items: [] }, T0 + 10 * MIN)).toMatch(/at least one item/);
    const r = ok(m, { type: 'checklist', by: STAFF, items }, T0 + 10 * MIN);
    expect(r.visit.checklist).toEqual(items);
    expect(r.events[0]).toMatchObject({ type: 'visit.checklist_recorded', data: { visit: m.id, ok: 1, degraded: 1, failed: 0 } });
    expect(refused(at('approved'), { type: 'checklist', by: STAFF, items }, T0 + 10 * MIN)).toMatch(/is approved/);
  });
});

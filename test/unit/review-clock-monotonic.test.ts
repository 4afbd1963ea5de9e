/**
 * Review of issue 9 §2: a clock set back while the daemon runs must not stop time. Before any event is written after
 * the step, the effective time stayed frozen at the newest event, and the first event written behind then carried
 * that frozen offset on: all the real time that passed meanwhile was lost, so an approval that ended during it was
 * still honoured. The process's monotonic clock knows how much time passed: the effective time never lags it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ClockGuard } from '../../src/app/clock.js';
import { AccessService } from '../../src/app/access-service.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { openStore, visitService } from '../../src/main.js';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';

const MIN = 60_000;
const T = Date.parse('2026-12-01T02:00:00Z');
const tcs: TempConfig[] = [];
afterEach(() => { for (const t of tcs.splice(0)) t.cleanup(); });

function setup() {
  const tc = tempConfig();
  tcs.push(tc);
  const c = { t: T, m: 0 };
  const store = openStore(tc.config, { clock: new ClockGuard({ probe: () => true, now: () => c.t, mono: () => c.m }) });
  const clock = store.clock;
  const v = visitService(tc.config, store);
  v.addOfficer('Staf', 'staff', '0A01');
  v.addOfficer('Kepala', 'head', '0A02');
  v.addBadge('1B01', 'TAMU-01');
  const id = v.request({ name: 'Budi', nik: testNik(1), org: 'PT X', purpose: 'disk swap' }).id;
  v.check(id, 'O1');
  v.approve(id, 'O2', { until: T + 30 * MIN });
  v.issue(id, 'TAMU-01', 'O1', { rulesAcknowledged: true });
  const access = new AccessService(store, { grant: () => undefined }, {
    policy: { escortRequired: true, escortWindowMs: 30_000, officerRoles: ['staff', 'coordinator', 'head'], antiPassback: true },
    repeatWindowMs: 0, readers: new Map([['in', { direction: 'in', secure: false }], ['out', { direction: 'out', secure: false }]]), secret: Buffer.alloc(32, 1), now: () => clock.now(),
  }, silentLogger());
  const tap = (uid: string) => access.handleTap({ readerId: 'in', uid, tech: 'sim', at: c.t });
  return { c, store, clock, id, tap, close: () => store.db.close() };
}

describe('review: a clock stepped back does not stop time', () => {
  it('an approval that ended while the clock was behind (no event written meanwhile) is refused as expired', () => {
    const d = setup();
    try {
      d.c.t -= 60 * MIN; // a bad NTP source steps the clock back an hour; the room is quiet
      d.c.t += 50 * MIN; d.c.m += 50 * MIN; // 50 minutes pass: the approval ended 20 minutes ago
      expect(d.clock.now()).toBeGreaterThanOrEqual(T + 50 * MIN);
      expect(d.tap('0A01')).toMatchObject({ outcome: 'grant', holder: 'officer' });
      expect(d.tap('1B01')).toMatchObject({ outcome: 'deny', reason: 'expired' });
      expect(d.store.events.verify()).toBeNull();
      expect(d.store.events.since(0, 1000).filter((e) => e.type === 'alarm.clock_rollback')).toHaveLength(1);
    } finally { d.close(); }
  });

  it('after a power cut, the daemon\'s last heartbeat counts as a mark: a clock restored from an old fake-hwclock save does not reopen an approval that ended while the daemon ran', () => {
    const d = setup();
    const tc = tcs[0]!;
    // The daemon ran on, quietly, past the approval's end: its heartbeat row says so (no event was written).
    d.store.updateDoorStatus({ heartbeatAt: T + 50 * MIN });
    d.close();
    // Power cut; the Pi boots with the time fake-hwclock saved at T + 10 min (hourly saves), before the approval ended.
    const c = { t: T + 10 * MIN, m: 0 };
    const store = openStore(tc.config, { clock: new ClockGuard({ probe: () => true, now: () => c.t, mono: () => c.m }) });
    try {
      const clock = store.clock;
      expect(clock.now()).toBeGreaterThanOrEqual(T + 50 * MIN);
      const access = new AccessService(store, { grant: () => undefined }, {
        policy: { escortRequired: true, escortWindowMs: 30_000, officerRoles: ['staff', 'coordinator', 'head'], antiPassback: true },
        repeatWindowMs: 0, readers: new Map([['in', { direction: 'in', secure: false }]]), secret: Buffer.alloc(32, 1), now: () => clock.now(),
      }, silentLogger());
      access.handleTap({ readerId: 'in', uid: '0A01', tech: 'sim', at: c.t });
      expect(access.handleTap({ readerId: 'in', uid: '1B01', tech: 'sim', at: c.t })).toMatchObject({ outcome: 'deny', reason: 'expired' });
      expect(store.events.since(0, 1000).filter((e) => e.type === 'alarm.clock_rollback')).toHaveLength(1);
    } finally { store.db.close(); }
  });
});

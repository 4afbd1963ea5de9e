/**
 * Review of issue 16 item 7 ("health that says the truth") with the clock: a door whose clock is behind its log, or
 * jumped forward without a head's confirmation, does not trust its clock (events clockSynced:false, approvals capped at
 * 4 h, purge refused) whatever NTP or the RTC say. `pintu health`'s clock item must not report it ok.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClockGuard, TIMESYNC_FLAG } from '../../src/app/clock.js';
import { systemAt } from '../../src/adapters/os/system.js';
import { checklistOptions, openStore } from '../../src/main.js';
import { runChecklist } from '../../src/app/health/checklist.js';
import { tempConfig, type TempConfig } from '../helpers/config.js';
import { filler } from '../helpers/events.js';

const DAY = 86_400_000;
const T = Date.parse('2026-12-01T02:00:00Z');
const temps: TempConfig[] = [];
afterEach(() => { for (const t of temps.splice(0)) t.cleanup(); });

function ntpDoor() {
  const tc = tempConfig({ backup: { keep: 0, hour: 2 } });
  temps.push(tc);
  const root = join(tc.dir, 'sysroot');
  mkdirSync(join(root, 'run/systemd/timesync'), { recursive: true });
  writeFileSync(join(root, TIMESYNC_FLAG), ''); // NTP synchronised
  const c = { t: T, m: 0 };
  const store = openStore(tc.config, { clock: new ClockGuard({ probe: () => true, now: () => c.t, mono: () => c.m }) });
  const env = { ...systemAt(root, null), statfs: () => ({ bsize: 4096, blocks: 1e7, bavail: 5e6 }), now: () => c.t };
  const clockItem = () => {
    // As `pintu health` and the scheduler run it: the store's clock guard says why it does not trust the clock.
    const r = runChecklist(store, { ...checklistOptions(tc.config, null), clockFaults: () => store.clock.faults() }, env);
    return r.items.find((i) => i.item === 'clock');
  };
  return { c, store, clockItem, close: () => store.db.close() };
}

describe('pintu health: the clock item tells a clock the door does not trust', () => {
  it('a clock set back behind the log is not ok, and says so', () => {
    const d = ntpDoor();
    try {
      d.c.t = T + 3 * DAY;
      d.store.tx(() => d.store.events.append([filler('test.note', { text: 'later' })], d.c.t));
      d.c.t = T; // set back three days
      expect(d.store.clock.trusted()).toBe(false);
      expect(d.clockItem()).toMatchObject({ status: 'warn', detail: expect.stringMatching(/set back/) });
    } finally { d.close(); }
  });

  it('an unconfirmed forward jump is not ok, and says a head confirms the clock', () => {
    const d = ntpDoor();
    try {
      d.store.tx(() => d.store.events.append([filler('test.note', { text: 'now' })], d.c.t));
      d.c.t = T + 10 * DAY; // the wall clock jumps 10 days; no time passed on the monotonic clock
      d.store.tx(() => d.store.events.append([filler('test.note', { text: 'after the jump' })], d.c.t)); // the door sees it
      expect(d.store.clock.trusted()).toBe(false);
      expect(d.clockItem()).toMatchObject({ status: 'warn', detail: expect.stringMatching(/jumped forward.*confirms the clock/) });
    } finally { d.close(); }
  });

  it('a trusted clock stays ok (ntp)', () => {
    const d = ntpDoor();
    try {
      d.store.tx(() => d.store.events.append([filler('test.note', { text: 'now' })], d.c.t));
      expect(d.store.clock.trusted()).toBe(true);
      expect(d.clockItem()).toMatchObject({ status: 'ok', value: 'ntp' });
    } finally { d.close(); }
  });
});

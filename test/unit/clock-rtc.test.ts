/**
 * Issue 16 item 6: a battery-backed RTC (Pi 5's own, a DS3231 on a Pi 4) as a clock trust source after a boot without
 * NTP, on an emulated /sys/class/rtc tree in a temp dir. Trusted only when it was seen agreeing with an NTP-synchronised
 * clock (the record), is the same RTC on the same machine, set the system time at this boot, reads a believable time not
 * before that check, and agrees with the system clock; every clock protection of issues 9/13/14 still holds on top.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClockGuard, TIMESYNC_FLAG, UNSYNCED_MAX_VALIDITY_HOURS } from '../../src/app/clock.js';
import { RTC_TRUST_KEY, parseRtcRecord, rtcProbe } from '../../src/app/rtc-trust.js';
import { systemAt } from '../../src/adapters/os/system.js';
import { checklistOptions, openStore, schedulerSettings, visitService } from '../../src/main.js';
import { runChecklist } from '../../src/app/health/checklist.js';
import { clockItem } from '../../src/app/health/probes.js';
import { BUILD_DATE_MS } from '../../src/app/clock.js';
import { Scheduler } from '../../src/app/scheduler.js';
import { createLogger } from '../../src/adapters/log/pino.js';
import { clockStatus, formatClockStatus } from '../../src/cli/clock.js';
import type { StoredEvent } from '../../src/adapters/sqlite/event-log.js';
import { tempConfig, testNik } from '../helpers/config.js';
import { filler } from '../helpers/events.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T = Date.parse('2026-12-01T02:00:00Z'); // 09:00 WIB
const PI5_RTC = 'rpi-rtc soc@107c000000:rpi_rtc';
const DS3231 = 'rtc-ds1307 1-0068';
const SERIAL = '10000000a1b2c3d4';

/** An emulated system root: /sys/class/rtc/rtcN/{name,hctosys,since_epoch}, the device-tree serial, /proc/uptime. */
function sysTree(root: string) {
  const put = (rel: string, text: string | null): void => {
    const f = join(root, rel);
    if (text === null) { rmSync(f, { force: true }); return; }
    mkdirSync(join(f, '..'), { recursive: true });
    writeFileSync(f, text);
  };
  return {
    /** Set an RTC's attributes; `at: null` makes since_epoch unreadable (a DS3231 whose oscillator stopped). */
    rtc(dev: string, o: { name?: string; hctosys?: 0 | 1; at?: number | null }): void {
      if (o.name !== undefined) put(`sys/class/rtc/${dev}/name`, `${o.name}\n`);
      if (o.hctosys !== undefined) put(`sys/class/rtc/${dev}/hctosys`, `${o.hctosys}\n`);
      if (o.at !== undefined) put(`sys/class/rtc/${dev}/since_epoch`, o.at === null ? null : `${Math.floor(o.at / 1000)}\n`);
    },
    serial(s: string | null): void { put('sys/firmware/devicetree/base/serial-number', s === null ? null : `${s}\0`); },
    uptime(seconds: number): void { put('proc/uptime', `${seconds}.00 10.00\n`); },
  };
}

/** A door on fake clocks (wall `c.t`, monotonic `c.m`, NTP `c.ntp`) with a Pi 5 RTC in an emulated /sys tree. */
function rtcDoor() {
  const tc = tempConfig({ backup: { keep: 0, hour: 2 } });
  const root = join(tc.dir, 'sysroot');
  mkdirSync(root, { recursive: true });
  const sys = sysTree(root);
  const c = { t: T, m: 0, ntp: true };
  sys.rtc('rtc0', { name: PI5_RTC, hctosys: 1, at: T });
  sys.serial(SERIAL);
  sys.uptime(3600);
  const guard = (): ClockGuard => new ClockGuard({ probe: () => c.ntp, now: () => c.t, mono: () => c.m, rtc: rtcProbe(systemAt(root, null)), recheckMs: 1000 });
  let store = openStore(tc.config, { clock: guard() });
  const d = {
    c, sys, root,
    get store() { return store; },
    get clock() { return store.clock; },
    visits: () => visitService(tc.config, store),
    /** Both clocks and the RTC advance. */
    pass(ms: number) { c.t += ms; c.m += ms; sys.rtc('rtc0', { at: c.t }); },
    note(text: string) { return store.tx(() => store.events.append([filler('test.note', { text })], c.t)); },
    events: (): StoredEvent[] => store.events.since(0, 10_000),
    record: () => parseRtcRecord(store.meta(RTC_TRUST_KEY)),
    /** Power off for `offMs` and boot without NTP: the RTC kept time and set the system clock (hctosys), a new process. */
    bootOffline(offMs: number) {
      store.db.close();
      c.ntp = false;
      c.t += offMs;
      c.m += 1000;
      sys.rtc('rtc0', { at: c.t });
      sys.uptime(30);
      store = openStore(tc.config, { clock: guard() });
    },
    close() { if (store.db.open) store.db.close(); tc.cleanup(); },
    config: tc.config,
  };
  return d;
}
type RtcDoor = ReturnType<typeof rtcDoor>;
const doors: RtcDoor[] = [];
afterEach(() => { for (const d of doors.splice(0)) d.close(); });

/** A door whose RTC was recorded while NTP was synchronised, with one event in its log. */
function recordedDoor(): RtcDoor {
  const d = rtcDoor();
  doors.push(d);
  expect(d.clock.source()).toBe('ntp');
  expect(d.clock.keepRtcRecord()?.action).toBe('written');
  d.note('online');
  return d;
}

function request(d: RtcDoor, n: number): string {
  const v = d.visits();
  if (!d.store.officer('O1')) { v.addOfficer('Staf', 'staff', '0A00000001'); v.addOfficer('Kepala', 'head', '0A00000002'); v.addBadge('1B00000001', 'TAMU-01'); }
  const id = v.request({ name: 'Budi', nik: testNik(n), org: 'PT X', purpose: 'disk swap' }).id;
  v.check(id, 'O1');
  return id;
}

/** The promises of an untrusted clock: events marked clockSynced:false, approvals capped, purge refused naming the RTC. */
function expectUntrusted(d: RtcDoor, reason: RegExp): void {
  expect(d.clock.rtcVerdict()).toMatchObject({ trusted: false, reason: expect.stringMatching(reason) });
  expect(d.clock.source()).toBeNull();
  expect(d.clock.trusted()).toBe(false);
  const [e] = d.note('offline');
  expect(e!.data.clockSynced).toBe(false);
  expect(e!.data.clockSource).toBeUndefined();
  const a = d.visits().approve(request(d, 9), 'O2');
  expect(a.validUntil! - a.validFrom!).toBeLessThanOrEqual(UNSYNCED_MAX_VALIDITY_HOURS * HOUR);
  expect(d.clock.maintenanceRefusal().join('\n')).toMatch(/not synchronised.*RTC: /);
}

describe('RTC as a clock trust source (emulated /sys/class/rtc)', () => {
  it('probe: reads name, hctosys, since_epoch and the serial; prefers the RTC that set the system time; an unreadable time is null', () => {
    const d = rtcDoor();
    doors.push(d);
    d.sys.rtc('rtc1', { name: DS3231, hctosys: 0, at: T + 5000 });
    const p = rtcProbe(systemAt(d.root, null));
    expect(p.read()).toEqual({ device: 'rtc0', name: PI5_RTC, hctosys: true, at: T, machine: SERIAL });
    expect(p.uptimeMs()).toBe(3_600_000);
    d.sys.rtc('rtc0', { hctosys: 0, at: null });
    d.sys.rtc('rtc1', { hctosys: 1 });
    expect(p.read()).toMatchObject({ device: 'rtc1', name: DS3231, hctosys: true, at: T + 5000 });
    d.sys.rtc('rtc1', { hctosys: 0 });
    expect(p.read()).toMatchObject({ device: 'rtc0', hctosys: false, at: null });
    expect(rtcProbe(systemAt(join(d.root, 'none'), null)).read()).toBeNull();
  });

  it('recorded while NTP-synchronised, then after a boot without NTP the RTC vouches: approvals not capped, events marked clockSource:rtc, purge allowed', () => {
    const d = recordedDoor();
    expect(d.record()).toMatchObject({ device: 'rtc0', name: PI5_RTC, machine: SERIAL, checkedAt: new Date(T).toISOString() });
    d.bootOffline(2 * HOUR);
    expect(d.clock.source()).toBe('rtc');
    expect(d.clock.trusted()).toBe(true);
    expect(d.clock.state()).toBe('trusted');
    const [e] = d.note('offline, RTC');
    expect(e!.data).toEqual({ text: 'offline, RTC', clockSource: 'rtc' });
    const a = d.visits().approve(request(d, 1), 'O2');
    expect(a.validUntil! - a.validFrom!).toBeGreaterThan(UNSYNCED_MAX_VALIDITY_HOURS * HOUR); // end of day in WIB
    expect(d.clock.maintenanceRefusal()).toEqual([]);
    // Never recorded on the RTC's own word: the record stays as NTP left it.
    expect(d.clock.keepRtcRecord()).toBeNull();
    expect(d.record()!.checkedAt).toBe(new Date(T).toISOString());
    // NTP comes back: the source is NTP again and events are unmarked.
    d.c.ntp = true;
    d.pass(1000);
    expect(d.clock.source()).toBe('ntp');
    expect(d.note('online again')[0]!.data).toEqual({ text: 'online again' });
  });

  it('an RTC reset by a flat battery (2000-01-01, system clock moved on by fake-hwclock) is not trusted; nor one that cannot be read', () => {
    const d = recordedDoor();
    d.bootOffline(3 * DAY);
    d.sys.rtc('rtc0', { at: Date.parse('2000-01-01T00:00:00Z') });
    expectUntrusted(d, /lost its time \(battery flat or missing\)/);
    d.c.m += 1000;
    d.sys.rtc('rtc0', { at: null });
    expectUntrusted(d, /cannot be read/);
  });

  it('an RTC that disagrees with the system clock is not trusted; the allowance grows only with the time since boot', () => {
    const d = recordedDoor();
    d.bootOffline(HOUR);
    d.sys.rtc('rtc0', { at: d.c.t - 10 * MIN }); // system clock set by something else than the RTC
    expectUntrusted(d, /is 600 s off rtc0/);
    // Ten days since boot: 100 ppm of drift between the two free-running clocks is ~86 s.
    d.sys.uptime(10 * 86_400);
    d.sys.rtc('rtc0', { at: d.c.t - 60_000 });
    expect(d.clock.rtcVerdict()).toMatchObject({ trusted: true });
    d.sys.rtc('rtc0', { at: d.c.t - 200_000 });
    expect(d.clock.rtcVerdict()).toMatchObject({ trusted: false, reason: expect.stringMatching(/200 s off/) });
  });

  it('an RTC never seen agreeing with an NTP-synchronised clock is not trusted', () => {
    const d = rtcDoor();
    doors.push(d);
    d.note('online, never recorded');
    d.bootOffline(HOUR);
    expect(d.record()).toBeNull();
    expectUntrusted(d, /never seen agreeing with an NTP-synchronised clock/);
  });

  it('a different RTC (another device, another driver, another machine) or one that did not set the system time is not trusted', () => {
    const d = recordedDoor();
    d.bootOffline(HOUR);
    d.sys.rtc('rtc0', { name: DS3231 });
    expectUntrusted(d, /is not the RTC checked against NTP/);
    d.sys.rtc('rtc0', { name: PI5_RTC });
    d.sys.serial('10000000ffffffff'); // the SD card moved to another Pi 5
    d.c.m += 1000;
    expectUntrusted(d, /on another machine/);
    d.sys.serial(SERIAL);
    d.sys.rtc('rtc0', { hctosys: 0 });
    d.c.m += 1000;
    expectUntrusted(d, /did not set the system time at this boot/);
  });

  it('a time before the RTC was last checked against NTP is not trusted (and is a rollback of the log too)', () => {
    const d = recordedDoor();
    d.bootOffline(HOUR);
    d.c.t = T - DAY;
    d.sys.rtc('rtc0', { at: d.c.t });
    expect(d.clock.rtcVerdict()).toMatchObject({ trusted: false, reason: expect.stringMatching(/before the RTC was last checked against NTP/) });
    expect(d.clock.trusted()).toBe(false);
    expect(d.clock.state()).toBe('rolled-back');
  });

  it('rollback after RTC trust: the clock set back (RTC too) is untrusted, alarmed once, and an expired approval stays expired', () => {
    const d = recordedDoor();
    d.bootOffline(HOUR);
    const id = request(d, 2);
    d.visits().approve(id, 'O2', { until: d.c.t + HOUR });
    d.visits().issue(id, 'TAMU-01', 'O1', { rulesAcknowledged: true });
    expect(d.clock.source()).toBe('rtc');
    d.pass(2 * HOUR);
    d.note('after expiry');
    const mark = d.c.t;
    const until = d.store.visit(id)!.validUntil!;
    d.c.t -= DAY; // date -s and hwclock -w: both clocks a day back, inside the approval's window
    d.sys.rtc('rtc0', { at: d.c.t });
    expect(d.c.t).toBeLessThan(until);
    expect(d.clock.trusted()).toBe(false);
    expect(d.clock.state()).toBe('rolled-back');
    expect(d.clock.now()).toBeGreaterThanOrEqual(mark);
    const written = d.note('behind');
    expect(written.map((e) => e.type)).toEqual(['alarm.clock_rollback', 'test.note']);
    expect(written[1]!.data).toMatchObject({ clockSynced: false });
    expect(written[1]!.data.clockSource).toBeUndefined();
    expect(d.clock.now()).toBeGreaterThanOrEqual(until);
  });

  it('a forward jump under RTC trust still needs a head: alarm.clock_jump, untrusted until confirmed', () => {
    const d = recordedDoor();
    d.bootOffline(HOUR);
    d.note('rtc');
    d.c.t += 3 * DAY; // both clocks three days ahead of what the log vouches for
    d.sys.rtc('rtc0', { at: d.c.t });
    const written = d.note('jumped');
    expect(written.map((e) => e.type)).toEqual(['alarm.clock_jump', 'test.note']);
    expect(written[1]!.data).toMatchObject({ clockSynced: false });
    expect(d.clock.trusted()).toBe(false);
    expect(d.clock.state()).toBe('jumped');
    d.store.tx(() => d.clock.confirmJump('O2'));
    expect(d.clock.trusted()).toBe(true);
    expect(d.note('confirmed')[0]!.data).toMatchObject({ clockSource: 'rtc' });
  });

  it('while NTP-synchronised, an RTC that disagrees (not kept by the kernel\'s 11-minute sync) loses its record; the record is refreshed hourly', () => {
    const d = recordedDoor();
    d.pass(30 * MIN);
    expect(d.clock.keepRtcRecord()?.action).toBe('unchanged');
    d.pass(31 * MIN);
    expect(d.clock.keepRtcRecord()?.action).toBe('refreshed');
    expect(d.record()!.checkedAt).toBe(new Date(d.c.t).toISOString());
    d.sys.rtc('rtc0', { at: d.c.t - 30_000 });
    expect(d.clock.keepRtcRecord()).toMatchObject({ action: 'removed', detail: expect.stringMatching(/-30 s off the NTP-synchronised clock/) });
    expect(d.record()).toBeNull();
    d.bootOffline(HOUR);
    expectUntrusted(d, /never seen agreeing/);
  });

  it('trust from the RTC is re-judged: a system clock stepped away from the RTC loses it at once, events marked again', () => {
    const d = recordedDoor();
    d.bootOffline(HOUR);
    expect(d.note('rtc')[0]!.data).toMatchObject({ clockSource: 'rtc' });
    d.c.t += 10 * MIN; // date -s ten minutes ahead, the RTC untouched; no monotonic time passed
    expect(d.clock.source()).toBeNull();
    expect(d.note('stepped')[0]!.data).toMatchObject({ clockSynced: false });
  });
});

describe('RTC trust record kept by the daemon\'s scheduler', () => {
  it('a tick confirms NTP (timesyncd flag) and records the RTC; on an RTC-trusted clock it records nothing', async () => {
    const d = rtcDoor();
    doors.push(d);
    d.c.ntp = false; // the guard's own probe says no: the scheduler's probe of the system root confirms
    d.bootOffline(0);
    mkdirSync(join(d.root, 'run/systemd/timesync'), { recursive: true });
    writeFileSync(join(d.root, TIMESYNC_FLAG), '');
    const env = { ...systemAt(d.root, null), statfs: () => ({ bsize: 4096, blocks: 1e7, bavail: 5e6 }), now: () => d.c.t };
    const s = new Scheduler({ store: d.store, settings: schedulerSettings(d.config), log: createLogger('silent'), env, clock: d.clock, tickMs: 3_600_000 });
    s.start();
    await s.tick();
    await s.stop();
    expect(d.clock.source()).toBe('ntp');
    expect(d.record()).toMatchObject({ device: 'rtc0', name: PI5_RTC, checkedAt: new Date(d.c.t).toISOString() });
    // Offline boot: the RTC vouches, and a tick (no NTP flag) leaves the record as NTP left it.
    d.bootOffline(HOUR);
    rmSync(join(d.root, TIMESYNC_FLAG));
    const before = d.store.meta(RTC_TRUST_KEY);
    const s2 = new Scheduler({ store: d.store, settings: schedulerSettings(d.config), log: createLogger('silent'), env, clock: d.clock, tickMs: 3_600_000 });
    s2.start();
    await s2.tick();
    await s2.stop();
    expect(d.clock.source()).toBe('rtc');
    expect(d.store.meta(RTC_TRUST_KEY)).toBe(before);
  });
});

describe('pintu clock status', () => {
  it('names the source, the RTC as read, its record and why it does not vouch, times in the site zone', () => {
    const d = recordedDoor();
    d.bootOffline(HOUR);
    const ok = clockStatus(d.clock);
    expect(ok).toMatchObject({ source: 'rtc', state: 'trusted', trusted: true, record: { device: 'rtc0' }, rtc: { trusted: true } });
    const text = formatClockStatus(ok, 'Asia/Jakarta');
    expect(text).toMatch(/trusted \(state trusted\); trust from the RTC/);
    expect(text).toMatch(/RTC: rtc0 "rpi-rtc soc@107c000000:rpi_rtc" reads .*WIB \(\+07:00\); set the system time at boot: yes/);
    expect(text).toMatch(/last checked against NTP 2026-12-01 09:00(:00)? WIB/);
    d.sys.rtc('rtc0', { at: Date.parse('2000-01-01T00:00:00Z') });
    const bad = formatClockStatus(clockStatus(d.clock), 'Asia/Jakarta');
    expect(bad).toMatch(/NOT trusted \(state unsynced\); trust from nothing/);
    expect(bad).toMatch(/RTC does not vouch: .*battery flat or missing/);
  });
});

describe('pintu health: the clock item names its trust source', () => {
  it('ntp when synchronised (noting the RTC record), rtc when the RTC vouches, warn with the RTC\'s reason otherwise', () => {
    const d = recordedDoor();
    const env = (): ReturnType<typeof systemAt> => ({ ...systemAt(d.root, null), statfs: () => ({ bsize: 4096, blocks: 1e7, bavail: 5e6 }), now: () => d.c.t });
    mkdirSync(join(d.root, 'run/systemd/timesync'), { recursive: true });
    writeFileSync(join(d.root, TIMESYNC_FLAG), '');
    expect(clockItem(env(), BUILD_DATE_MS, d.store.meta(RTC_TRUST_KEY))).toMatchObject({ status: 'ok', value: 'ntp', detail: expect.stringMatching(/RTC rtc0 kept by NTP, last checked/) });
    rmSync(join(d.root, TIMESYNC_FLAG));
    d.bootOffline(HOUR);
    // Through the checklist, which passes the store's trust record.
    const report = runChecklist(d.store, checklistOptions(d.config, null), env());
    expect(report.items.find((i) => i.item === 'clock')).toMatchObject({ status: 'ok', value: 'rtc', detail: expect.stringMatching(/^trusted from the RTC: rtc0/) });
    d.sys.rtc('rtc0', { at: Date.parse('2000-01-01T00:00:00Z') });
    expect(clockItem(env(), BUILD_DATE_MS, d.store.meta(RTC_TRUST_KEY))).toMatchObject({ status: 'warn', value: false, detail: expect.stringMatching(/the RTC does not vouch \(.*battery flat or missing\)/) });
    expect(clockItem(env(), BUILD_DATE_MS, null)).toMatchObject({ status: 'warn', detail: expect.stringMatching(/never seen agreeing/) });
  });
});

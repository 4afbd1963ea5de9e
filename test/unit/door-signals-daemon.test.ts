/**
 * The status LED and buzzer through the whole daemon on the sim (issue 16 item 8): every tap outcome shows its signal,
 * the relay is driven before any signal changes, door alarms and fire show theirs, and the stop leaves all off.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { buildDaemon, createDoorIo, visitService } from '../../src/main.js';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { SimCardReader } from '../../src/adapters/sim/sim-reader.js';
import type { DoorSignal } from '../../src/domain/door-signals.js';
import { seedIssuedVisit, tempConfig, type TempConfig } from '../helpers/config.js';

const OFFICER = '0A01';
const BADGE = '1B01';
const configs: TempConfig[] = [];
afterEach(() => { for (const c of configs.splice(0)) c.cleanup(); });

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function door(windowSeconds = 10) {
  const tc = tempConfig({ escort: { required: true, windowSeconds } });
  configs.push(tc);
  const io = new SimDoorIo({ indicators: true, fireInput: true });
  const rin = new SimCardReader('in', 'in');
  const shown: DoorSignal[] = [];
  const daemon = await buildDaemon(tc.config, silentLogger(), { io, readers: [rin, new SimCardReader('out', 'out')], onSignal: (s) => shown.push(s) });
  await daemon.start();
  const ind = io.indicators!;
  // One timeline of the relay and the outputs, in the order they changed.
  const timeline: string[] = [];
  io.onRelay((on) => timeline.push(`relay ${on ? 'on' : 'off'}`));
  for (const [name, out] of Object.entries(ind)) out.onChange((on) => timeline.push(`${name} ${on ? 'on' : 'off'}`));
  return { tc, io, rin, daemon, shown, ind, timeline };
}

describe('door signals through the daemon (sim)', () => {
  it('refused, awaiting escort, granted: each its signal; the strike moves first, the signal on a later turn', async () => {
    const d = await door();
    try {
      const v = seedIssuedVisit(visitService(d.tc.config, d.daemon.parts.store), { head: '0A00', staff: OFFICER, badge: BADGE });
      // An unknown card (maybe a KTP): refused, red and three beeps.
      d.rin.tap('DEADBEEF01');
      expect(d.ind.red!.history).toEqual([]); // not in the tap's turn
      await until('red', () => d.ind.red!.isOn);
      expect(d.shown).toEqual(['refused']);
      await until('three beeps', () => d.ind.buzzer!.history.filter((c) => c.on).length === 3 && !d.ind.buzzer!.isOn);
      // The visitor alone: amber while the escort window runs.
      d.rin.tap(BADGE);
      await until('amber', () => d.shown.includes('awaiting-escort'));
      expect(d.ind.amber!.history.length).toBeGreaterThan(0);
      // The officer arrives: both granted; the relay is on before the green LED.
      d.timeline.length = 0;
      d.rin.tap(OFFICER);
      expect(d.io.relay.isOn).toBe(true);
      expect(d.ind.green!.isOn).toBe(false);
      await until('green', () => d.ind.green!.isOn);
      expect(d.timeline.indexOf('relay on')).toBe(0);
      expect(d.timeline.indexOf('green on')).toBeGreaterThan(0);
      expect(d.ind.amber!.isOn).toBe(false);
      expect(d.shown.at(-1)).toBe('granted');
      expect(d.daemon.parts.store.visit(v)?.presence).toBe('inside');
      d.io.openDoor();
      d.io.closeDoor();
      await until('idle again', () => d.shown.at(-1) === 'idle', 10_000);
      expect(Object.values(d.ind).some((o) => o.isOn)).toBe(false);
    } finally {
      await d.daemon.stop('test end');
    }
  }, 30_000);

  it('a visitor whose escort does not come: amber for the window, then refused (red)', async () => {
    const d = await door(2);
    try {
      seedIssuedVisit(visitService(d.tc.config, d.daemon.parts.store), { head: '0A00', staff: OFFICER, badge: BADGE });
      d.rin.tap(BADGE);
      await until('amber', () => d.shown.includes('awaiting-escort'));
      await until('refused after the window', () => d.shown.includes('refused'), 10_000);
      expect(d.shown.slice(0, 2)).toEqual(['awaiting-escort', 'refused']);
      const types = d.daemon.parts.store.events.since(0, 1000).map((e) => e.type);
      expect(types).toContain('access.denied');
      expect(d.io.relayHistory).toEqual([]);
    } finally {
      await d.daemon.stop('test end');
    }
  }, 30_000);

  it('forced, then fire: their signals until the door closes / the alarm clears; the stop leaves every output off', async () => {
    const d = await door();
    try {
      d.io.openDoor(); // no grant: forced
      await until('forced', () => d.shown.at(-1) === 'forced');
      await until('red blinking', () => d.ind.red!.history.length >= 3);
      d.io.closeDoor();
      await until('idle', () => d.shown.at(-1) === 'idle');
      d.io.fireAlarm();
      await until('fire (after the settle time)', () => d.shown.at(-1) === 'fire');
      await until('red and amber blinking', () => d.ind.amber!.history.length >= 3);
      d.io.fireClear();
      await until('idle after the fire', () => d.shown.at(-1) === 'idle');
      d.io.fireAlarm();
      await until('fire again', () => d.ind.amber!.isOn);
    } finally {
      await d.daemon.stop('test end');
    }
    expect(Object.values(d.ind).some((o) => o.isOn)).toBe(false);
    expect(d.io.relay.isOn).toBe(false);
  }, 30_000);

  it('LEDs and buzzer that all fail leave the strike alone: the officer is granted and the relay driven', async () => {
    const d = await door();
    try {
      for (const out of Object.values(d.ind)) out.failWith = new Error('EIO');
      visitService(d.tc.config, d.daemon.parts.store).addOfficer('Staff', 'staff', OFFICER);
      d.rin.tap(OFFICER);
      expect(d.io.relay.isOn).toBe(true);
      await until('the signal followed', () => d.shown.at(-1) === 'granted');
      expect(d.daemon.parts.store.events.since(0, 1000).some((e) => e.type === 'access.granted')).toBe(true);
      await until('the strike time over', () => !d.io.relay.isOn, 10_000);
    } finally {
      await d.daemon.stop('test end');
    }
  }, 30_000);

  it('a sim door has the status outputs and mains input its config declares, and no others', async () => {
    const tc = tempConfig({ gpio: { indicators: { green: { pin: 23, activeLow: false }, buzzer: { pin: 16, activeLow: false } }, mains: { pin: 26, activeLow: true } } });
    configs.push(tc);
    const io = (await createDoorIo(tc.config, silentLogger())) as SimDoorIo;
    expect(Object.keys(io.indicators ?? {})).toEqual(['green', 'buzzer']);
    expect(io.mains?.read()).toBe(true);
    const plain = tempConfig();
    configs.push(plain);
    const none = (await createDoorIo(plain.config, silentLogger())) as SimDoorIo;
    expect([none.indicators, none.mains]).toEqual([undefined, undefined]);
  });
});

import { describe, it, expect } from 'vitest';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { SimCardReader } from '../../src/adapters/sim/sim-reader.js';
import { hwTestProblems, relayOffOnSignals, runHwTest } from '../../src/app/hw-test.js';

describe('pintu hw test (sim hardware)', () => {
  it('clicks the relay, shows door switch and exit button live, reads one tap per reader without printing the UID', async () => {
    const io = new SimDoorIo();
    const rin = new SimCardReader('in', 'in');
    const rout = new SimCardReader('out', 'out');
    const lines: string[] = [];
    const res = await runHwTest({
      io, readers: [rin, rout], seconds: 0.3, tapTimeoutMs: 300,
      print: (l) => {
        lines.push(l);
        if (l.startsWith('2/3')) setTimeout(() => { io.openDoor(); io.pressExit(); io.closeDoor(); }, 50);
        if (l.startsWith('reader in ')) setTimeout(() => rin.tap('04A1B2C3D4E5F6'), 20);
      },
    });
    expect(io.relayHistory.map((c) => c.on)).toEqual([true, false]);
    expect(io.relayHistory[1]!.at - io.relayHistory[0]!.at).toBeGreaterThanOrEqual(990);
    expect(io.relay.isOn).toBe(false);
    expect(res.relay).toBe('ok');
    expect(res.doorSwitch).toEqual({ initial: 'closed', changes: 2 });
    expect(res.exitButton).toEqual({ initial: 'released', changes: 2 });
    expect(res.readers).toEqual([
      { id: 'in', result: 'read', uidBytes: 7, error: null },
      { id: 'out', result: 'timeout', uidBytes: null, error: null },
    ]);
    const text = lines.join('\n');
    expect(text).toContain('door OPEN');
    expect(text).toContain('exit button PRESSED');
    expect(text).toContain('reader in: card read, UID 7 bytes');
    expect(text).not.toContain('04A1B2C3D4E5F6');
    expect(rin.started || rout.started).toBe(false); // readers released
    expect(io.doorSwitch.watcherCount + io.exitButton.watcherCount).toBe(0);
  });

  it('shows the fire input\'s reading live: fire with the panel in alarm, fault with the cable cut; the strike is not driven by it', async () => {
    const io = new SimDoorIo({ fireInput: true });
    const lines: string[] = [];
    const res = await runHwTest({
      io, readers: [], seconds: 0.3, tapTimeoutMs: 100,
      print: (l) => {
        lines.push(l);
        if (l.startsWith('2/3')) setTimeout(() => { io.fireAlarm(); io.fireClear(); io.cutFireCable(); }, 50);
      },
    });
    expect(res.fire).toEqual({ initial: 'normal', changes: 4 });
    const text = lines.join('\n');
    expect(text).toContain('fire input: NORMAL (alarm line inactive, supervision loop intact)');
    expect(text).toMatch(/fire input FIRE \(alarm line active\)/);
    expect(text).toMatch(/fire input FAULT \(supervision line inactive\)/);
    expect(io.relayHistory.map((c) => c.on)).toEqual([true, false]);
    expect(io.fire!.alarm.watcherCount + io.fire!.supervision.watcherCount).toBe(0);
  });

  it('a failing relay is reported and the walk-through carries on; a reader that cannot open is an error', async () => {
    const io = new SimDoorIo();
    io.relay.failWith = new Error('GPIO 17 busy');
    const bad = new SimCardReader('in', 'in');
    bad.start = async () => { throw new Error('cannot open /dev/pintu-reader-in'); };
    const lines: string[] = [];
    const res = await runHwTest({ io, readers: [bad], seconds: 0, tapTimeoutMs: 1000, print: (l) => lines.push(l), sleep: async () => undefined });
    expect(res.relay).toBe('error');
    expect(res.readers[0]).toMatchObject({ result: 'error', error: 'cannot open /dev/pintu-reader-in' });
    expect(lines.join('\n')).toContain('relay ERROR: GPIO 17 busy');
  });

  it('a signal during the relay click drives the relay off at once, says so, and exits with 128 + the signal number', async () => {
    const listeners = (): number => process.listenerCount('SIGINT') + process.listenerCount('SIGTERM') + process.listenerCount('SIGHUP');
    const before = listeners();
    for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
      const io = new SimDoorIo();
      const lines: string[] = [];
      let exited: { code: number; relayOn: boolean; at: number } | null = null;
      const release = relayOffOnSignals(io, (l) => lines.push(l), (c) => { exited = { code: c, relayOn: io.relay.isOn, at: Date.now() }; });
      try {
        // The real exit ends the process here; with the recording one the walk-through goes on against closed I/O.
        await runHwTest({
          io, readers: [], seconds: 0, tapTimeoutMs: 0,
          print: (l) => { if (l.startsWith('1/3')) setTimeout(() => process.emit(sig), 50); },
        }).catch(() => undefined);
      } finally {
        release();
      }
      expect(exited, sig).toMatchObject({ code, relayOn: false });
      const on = io.relayHistory.find((c) => c.on)!;
      expect(exited!.at - on.at, 'off at the signal, not at the end of the 1 s click').toBeLessThan(900);
      expect(lines).toEqual([`hw test interrupted by ${sig}: relay OFF`]);
    }
    expect(listeners()).toBe(before); // released
  });

  it('names what it did not see: a walk-through that read or changed nothing fails', () => {
    const quiet = { relay: 'ok' as const, doorSwitch: { initial: 'closed' as const, changes: 0 }, exitButton: { initial: 'released' as const, changes: 0 }, readers: [{ id: 'in', result: 'timeout' as const, uidBytes: null, error: null }] };
    expect(hwTestProblems(quiet)).toEqual(['the door switch never changed', 'the exit button never changed', 'reader in read no card']);
    expect(hwTestProblems({ ...quiet, doorSwitch: { initial: 'closed', changes: 2 }, exitButton: { initial: 'released', changes: 2 }, readers: [{ id: 'in', result: 'read', uidBytes: 5, error: null }] })).toEqual([]);
  });
});

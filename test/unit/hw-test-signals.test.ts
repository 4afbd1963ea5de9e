/**
 * `pintu hw test` and the door's status LED, buzzer and mains signal (issue 16 item 8): each wired colour lit in turn
 * and the buzzer beeped, each off again; a failing one named; the mains signal shown live.
 */
import { describe, expect, it } from 'vitest';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { hwTestProblems, runHwTest } from '../../src/app/hw-test.js';

describe('pintu hw test: status LED, buzzer, mains', () => {
  it('lights green, red, amber in turn and beeps the buzzer, each off again; shows the mains signal and its changes', async () => {
    const io = new SimDoorIo({ indicators: true, mainsInput: true });
    const order: string[] = [];
    for (const [name, out] of Object.entries(io.indicators!)) out.onChange((on) => order.push(`${name} ${on ? 'on' : 'off'}`));
    const lines: string[] = [];
    const res = await runHwTest({
      io, readers: [], seconds: 0.3, tapTimeoutMs: 100,
      print: (l) => {
        lines.push(l);
        if (l.startsWith('2/3')) setTimeout(() => { io.mainsLost(); io.mainsBack(); }, 50);
      },
    });
    expect(order).toEqual(['green on', 'green off', 'red on', 'red off', 'amber on', 'amber off', 'buzzer on', 'buzzer off']);
    const green = io.indicators!.green!.history;
    expect(green[1]!.at - green[0]!.at).toBeGreaterThanOrEqual(990);
    const buzzer = io.indicators!.buzzer!.history;
    expect(buzzer[1]!.at - buzzer[0]!.at).toBeLessThan(900);
    expect(res.indicators).toEqual(['green', 'red', 'amber', 'buzzer'].map((name) => ({ name, result: 'ok', error: null })));
    expect(res.mains).toEqual({ initial: 'present', changes: 2 });
    const text = lines.join('\n');
    expect(text).toContain('status LED green: ON for 1 s');
    expect(text).toContain('buzzer: beep 200 ms');
    expect(text).toContain('mains (UPS): present');
    expect(text).toMatch(/mains LOST \(on battery\)/);
    expect(io.mains!.watcherCount).toBe(0);
    // Lit, then off: the relay click comes first, the lights after it.
    expect(io.relayHistory[1]!.at).toBeLessThanOrEqual(green[0]!.at);
  });

  it('only the wired outputs; a failing one is named and fails the walk-through, the others still lit', async () => {
    const io = new SimDoorIo({ indicators: ['red', 'buzzer'] });
    io.indicators!.red!.failWith = new Error('EIO writing value');
    const lines: string[] = [];
    const res = await runHwTest({ io, readers: [], seconds: 0, tapTimeoutMs: 0, print: (l) => lines.push(l), sleep: async () => undefined });
    expect(res.indicators).toEqual([{ name: 'red', result: 'error', error: 'EIO writing value' }, { name: 'buzzer', result: 'ok', error: null }]);
    expect(io.indicators!.buzzer!.history.map((c) => c.on)).toEqual([true, false]);
    expect(lines.join('\n')).toContain('red ERROR: EIO writing value');
    expect(hwTestProblems(res)).toContain('the red LED could not be switched (EIO writing value)');
    expect(res.mains).toBeUndefined();
  });

  it('a door with no indicators or mains wired: neither in the result, nothing printed about them', async () => {
    const io = new SimDoorIo();
    const lines: string[] = [];
    const res = await runHwTest({ io, readers: [], seconds: 0, tapTimeoutMs: 0, print: (l) => lines.push(l), sleep: async () => undefined });
    expect(res.indicators).toBeUndefined();
    expect(res.mains).toBeUndefined();
    expect(lines.join('\n')).not.toMatch(/status LED|buzzer|mains/);
  });
});

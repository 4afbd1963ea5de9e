/**
 * The status LED and buzzer on `hardware: gpiod` (issue 16, item 8), at the binding's module edge: the whole daemon on
 * the real helper script against the fake libgpiod module (v2 and v1), a tap of each outcome, and the physical levels
 * of each output line as the fake logged them. The onoff twin is onoff-door-signals.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { gpioSchema } from '../../src/config/schema.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { createGpiodDoorIo } from '../../src/adapters/gpio/gpiod-door-io.js';
import { buildDaemon, visitService } from '../../src/main.js';
import { SimCardReader } from '../../src/adapters/sim/sim-reader.js';
import { seedIssuedVisit, tempConfig, type TempConfig } from '../helpers/config.js';
import { fakeGpiod, physicalHistory, TEST_PYTHON, type FakeGpiod } from '../helpers/fake-gpiod.js';

const LINES = { relay: 17, green: 23, red: 24, amber: 25, buzzer: 16 } as const;
const OUTPUTS = ['green', 'red', 'amber', 'buzzer'] as const;
type Output = (typeof OUTPUTS)[number];

let worlds: FakeGpiod[] = [];
const configs: TempConfig[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
  for (const c of configs.splice(0)) c.cleanup();
});

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(['v2', 'v1'] as const)('gpiod status LED and buzzer through the daemon (%s binding)', (flavour) => {
  it('refused: red and three beeps; awaiting escort: amber blinking; granted: strike, then green and one beep; all off at the stop', async () => {
    const w = fakeGpiod(flavour);
    worlds.push(w);
    const tc = tempConfig({ escort: { required: true, windowSeconds: 5 } });
    configs.push(tc);
    const gpio = gpioSchema.parse({
      indicators: { green: { pin: 23, activeLow: false }, red: { pin: 24, activeLow: true }, amber: { pin: 25, activeLow: false }, buzzer: { pin: 16, activeLow: false } },
    });
    const io = await createGpiodDoorIo(gpio, silentLogger(), { python: TEST_PYTHON, env: w.env, devDir: w.devDir });
    const rin = new SimCardReader('in', 'in');
    const daemon = await buildDaemon(tc.config, silentLogger(), { io, readers: [rin, new SimCardReader('out', 'out')] });
    await daemon.start();
    // Logical levels (red is wired active-low: physical 0 = lit).
    const lit = (o: Output | 'relay'): number[] => physicalHistory(w.log(), LINES[o]).map((p) => (o === 'red' ? 1 - p : p));
    const from = (o: Output | 'relay', n: number): number[] => lit(o).slice(n);
    const risings = (o: Output, n: number): number => {
      const h = lit(o);
      let k = 0;
      for (let i = Math.max(1, n); i < h.length; i++) if (h[i] === 1 && h[i - 1] === 0) k += 1;
      return k;
    };
    const mark = (): Record<Output | 'relay', number> =>
      Object.fromEntries([...OUTPUTS, 'relay' as const].map((o) => [o, lit(o).length])) as Record<Output | 'relay', number>;
    try {
      // Every output was requested at its OFF level (red high, the others low) before anything else happened.
      expect(OUTPUTS.map((o) => lit(o)[0])).toEqual([0, 0, 0, 0]);
      seedIssuedVisit(visitService(tc.config, daemon.parts.store), { head: '0A00', staff: '0A01', badge: '1B01' });

      let m = mark();
      rin.tap('DEADBEEF01');
      await until('the refusal shown and over', () => from('red', m.red).includes(1) && lit('red').at(-1) === 0 && risings('buzzer', m.buzzer) >= 3);
      await new Promise((r) => setTimeout(r, 300));
      expect(risings('buzzer', m.buzzer)).toBe(3);
      expect(from('green', m.green)).not.toContain(1);
      expect(from('relay', m.relay)).not.toContain(1);

      m = mark();
      rin.tap('1B01');
      await until('amber blinking', () => risings('amber', m.amber) >= 2);
      expect(from('red', m.red)).not.toContain(1);
      expect(from('relay', m.relay)).not.toContain(1);

      m = mark();
      rin.tap('0A01');
      await until('the strike, then green', () => from('relay', m.relay).includes(1) && from('green', m.green).includes(1));
      expect(lit('amber').at(-1)).toBe(0);
      await until('green off after the strike time', () => lit('green').at(-1) === 0, 15_000);
      expect(risings('buzzer', m.buzzer)).toBe(1);
    } finally {
      await daemon.stop('test end');
      await io.exited();
    }
    expect(OUTPUTS.map((o) => lit(o).at(-1))).toEqual([0, 0, 0, 0]);
    expect(lit('relay').at(-1)).toBe(0);
    expect(new Set(w.log().filter((e) => e.op === 'release').flatMap((e) => e.offsets))).toEqual(new Set([17, 27, 22, 23, 24, 25, 16]));
  }, 60_000);
});

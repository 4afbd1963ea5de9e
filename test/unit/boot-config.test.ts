/**
 * The config.txt lines for the configured wiring: the relay held OFF from power-on at the level its polarity needs
 * (`dl` for an H-trigger relay, `dh` for an L-trigger one), the Pi 5's header UART, and what `pintu hw test` prints.
 */
import { describe, expect, it } from 'vitest';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { runHwTest } from '../../src/app/hw-test.js';
import { bootConfigLines, relayBootLine } from '../../src/domain/boot-config.js';
import { configSchema } from '../../src/config/schema.js';

const gpioOf = (gpio: Record<string, unknown> = {}) => configSchema.parse({ site: 's', door: { id: 'd' }, gpio }).gpio;

describe('config.txt lines for the wiring', () => {
  it('holds the relay off from power-on: drive low for an H-trigger relay, drive high for an L-trigger one', () => {
    expect(relayBootLine({ pin: 17, activeLow: false })).toBe('gpio=17=op,dl');
    expect(relayBootLine({ pin: 17, activeLow: true })).toBe('gpio=17=op,dh');
    expect(relayBootLine({ pin: 5, activeLow: true })).toBe('gpio=5=op,dh');
  });

  it('the default wiring: UART for Pi 4 and Pi 5, relay low, inputs pulled up', () => {
    const lines = bootConfigLines(gpioOf(), { uart: true }).filter((l) => !l.startsWith('#'));
    expect(lines).toEqual(['enable_uart=1', 'dtoverlay=disable-bt', '[pi5]', 'dtparam=uart0=on', '[all]', 'gpio=17=op,dl', 'gpio=22,27=ip,pu']);
    // Without a reader on the header UART, no UART lines.
    expect(bootConfigLines(gpioOf(), { uart: false }).filter((l) => !l.startsWith('#'))).toEqual(['gpio=17=op,dl', 'gpio=22,27=ip,pu']);
  });

  it('every wired input is pulled up and every indicator output held off at its own polarity', () => {
    const gpio = gpioOf({
      relay: { pin: 17, activeLow: true },
      fireAlarm: { pin: 5, supervision: { pin: 6 } },
      indicators: { green: { pin: 23 }, red: { pin: 24 }, amber: { pin: 25 }, buzzer: { pin: 16, activeLow: true } },
      mains: { pin: 26, activeLow: true },
    });
    const lines = bootConfigLines(gpio, { uart: false }).filter((l) => !l.startsWith('#'));
    expect(lines).toEqual(['gpio=17=op,dh', 'gpio=23,24,25=op,dl', 'gpio=16=op,dh', 'gpio=5,6,22,26,27=ip,pu']);
  });

  for (const activeLow of [false, true]) {
    it(`pintu hw test prints the exact relay line for relay.activeLow: ${activeLow}, and the whole block`, async () => {
      const io = new SimDoorIo();
      const lines: string[] = [];
      const wiring = gpioOf({ relay: { pin: 17, activeLow } });
      const res = await runHwTest({ io, readers: [], seconds: 0.05, tapTimeoutMs: 50, print: (l) => lines.push(l), wiring, headerUart: true });
      const want = activeLow ? 'gpio=17=op,dh' : 'gpio=17=op,dl';
      const other = activeLow ? 'gpio=17=op,dl' : 'gpio=17=op,dh';
      const text = lines.join('\n');
      expect(text).toContain(`config.txt must hold ${want} (relay.activeLow: ${activeLow}, ${activeLow ? 'L' : 'H'}-trigger module)`);
      expect(text).not.toContain(other);
      expect(res.bootConfig).toEqual(bootConfigLines(wiring, { uart: true }));
      expect(res.bootConfig).toContain('dtparam=uart0=on');
      expect(text).toContain(`    ${want}\n`);
      expect(io.relay.isOn).toBe(false);
    });
  }
});

/**
 * The Raspberry Pi's `config.txt` lines for a door's wiring: one source for what `pintu hw test` prints and what
 * hardware/README.md shows (a test compares them). The firmware applies `gpio=` lines at power-on, long before
 * Linux and pintu run, so the strike relay must be held at its OFF level there: `dl` (drive low) for a relay that
 * switches on a high input (H trigger, `activeLow: false`), `dh` (drive high) for one that switches on a low input
 * (L trigger, `activeLow: true`). Inputs get the internal pull-ups (BCM 9–27 come out of reset with pull-downs).
 */

/** One output or input pin as configured (`gpio.relay`, `gpio.doorSwitch`, …). */
export interface BootPin {
  /** BCM number. */
  pin: number;
  /** true when a low level means "active" (the relay energised, the LED lit, the input active). */
  activeLow: boolean;
}

/** The wiring the boot lines are made from: the shape of `gpio:` in pintu.yaml. */
export interface BootWiring {
  /** Strike relay output. */
  relay: BootPin;
  /** Door position switch input. */
  doorSwitch: BootPin;
  /** Exit button input. */
  exitButton: BootPin;
  /** Fire-alarm input and its supervision line, where wired. */
  fireAlarm?: BootPin & { supervision: BootPin };
  /** Status LED and buzzer outputs, where wired. */
  indicators?: { green?: BootPin; red?: BootPin; amber?: BootPin; buzzer?: BootPin };
  /** The UPS mains signal input, where wired. */
  mains?: BootPin;
}

/** The level (`dl` / `dh`) that keeps an output OFF: low for an active-high output, high for an active-low one. */
export function offLevel(p: BootPin): 'dl' | 'dh' {
  return p.activeLow ? 'dh' : 'dl';
}

/** The `config.txt` line that holds the strike relay off from power-on, e.g. `gpio=17=op,dl` for an H-trigger relay. */
export function relayBootLine(relay: BootPin): string {
  return `gpio=${relay.pin}=op,${offLevel(relay)}`;
}

/** Pins joined the way config.txt takes them, in ascending order: `22,27`. */
const pinList = (pins: number[]): string => [...new Set(pins)].sort((a, b) => a - b).join(',');

/**
 * The whole block for `/boot/firmware/config.txt`: the header UART when `uart` is set (Pi 4 and older: `enable_uart=1`
 * and the PL011 taken from Bluetooth; Pi 5: `dtparam=uart0=on` in a `[pi5]` section, its header UART is off by default), the relay and the
 * indicator outputs at their OFF level, and the inputs with pull-ups. Comment lines start with `#`.
 */
export function bootConfigLines(w: BootWiring, opts: { uart: boolean }): string[] {
  const lines: string[] = [];
  if (opts.uart) {
    lines.push(
      '# pintu: the header UART on GPIO14/15 (pins 8/10) for an RDM6300 reader: the PL011, Bluetooth gives it up',
      'enable_uart=1',
      'dtoverlay=disable-bt',
      '# Pi 5: the header UART (uart0, /dev/ttyAMA0) is off by default; enable_uart=1 there is the debug connector',
      '[pi5]',
      'dtparam=uart0=on',
      '[all]',
    );
  }
  lines.push(`# pintu: strike relay OFF from power-on (relay.activeLow: ${w.relay.activeLow}: ${w.relay.activeLow ? 'L' : 'H'} trigger)`, relayBootLine(w.relay));
  const ind = w.indicators ?? {};
  const outputs = [ind.green, ind.red, ind.amber, ind.buzzer].filter((p): p is BootPin => p !== undefined);
  if (outputs.length) lines.push('# pintu: status LED and buzzer off from power-on');
  for (const level of ['dl', 'dh'] as const) {
    const pins = outputs.filter((p) => offLevel(p) === level).map((p) => p.pin);
    if (pins.length) lines.push(`gpio=${pinList(pins)}=op,${level}`);
  }
  const inputs = [w.doorSwitch.pin, w.exitButton.pin];
  if (w.fireAlarm) inputs.push(w.fireAlarm.pin, w.fireAlarm.supervision.pin);
  if (w.mains) inputs.push(w.mains.pin);
  lines.push('# pintu: inputs with the internal pull-ups', `gpio=${pinList(inputs)}=ip,pu`);
  return lines;
}

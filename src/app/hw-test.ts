/**
 * `pintu hw test`: walk an installer through the hardware with the configured door I/O: click the relay, show the
 * door switch and exit button live, read one tap from each door reader (printing its id and the UID length, never the
 * UID); light each wired colour of the status LED and beep the buzzer, and show the UPS's mains signal live. The
 * caller refuses to run it while the daemon runs (both would drive the same pins and readers).
 */
import { bootConfigLines, relayBootLine, type BootWiring } from '../domain/boot-config.js';
import { fireReading, type FireReading } from '../domain/fire.js';
import type { CardReader, DigitalOutput, DoorIndicators, DoorIo } from '../ports/hardware.js';

/** What the walk-through needs. */
export interface HwTestDeps {
  /** The door I/O. */
  io: DoorIo;
  /** Door readers to test, in order. */
  readers: CardReader[];
  /** How long to show the inputs live (s). */
  seconds: number;
  /** How long to wait for a tap on each reader (ms). */
  tapTimeoutMs: number;
  /** Output one line. */
  print: (line: string) => void;
  /** Wait (injectable for tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Clock (ms). */
  now?: () => number;
  /** The configured pins and polarities (`gpio:`): the walk-through prints the config.txt lines for them. */
  wiring?: BootWiring;
  /** A reader is on the header UART (serial /dev/ttyAMA0 or its udev name): the config.txt block enables it. */
  headerUart?: boolean;
}

/** Outcome of one reader's test. */
export interface ReaderTestResult {
  /** Reader id. */
  id: string;
  /** read: a card was read; timeout: none within the time; error: the reader failed to open or reported an error. */
  result: 'read' | 'timeout' | 'error';
  /** UID length in bytes when read. */
  uidBytes: number | null;
  /** Error message, if any. */
  error: string | null;
}

/** Outcome of the whole walk-through. */
export interface HwTestResult {
  /** The relay was switched on and back off (off at the end). */
  relay: 'ok' | 'error';
  /** Door switch level at the start and the number of changes seen. */
  doorSwitch: { initial: 'open' | 'closed'; changes: number };
  /** Exit button level at the start and the number of changes seen. */
  exitButton: { initial: 'pressed' | 'released'; changes: number };
  /** The fire input (where wired): what its two lines read at the start and the changes of either line seen. */
  fire?: { initial: FireReading; changes: number };
  /** Each wired status LED colour and the buzzer: switched on and off (ok), or the error. */
  indicators?: IndicatorTestResult[];
  /** The UPS's mains signal (where wired): at the start, and the changes seen. */
  mains?: { initial: 'present' | 'battery'; changes: number };
  /** Per reader. */
  readers: ReaderTestResult[];
  /** The `config.txt` block for the configured wiring (absent without `wiring`). */
  bootConfig?: string[];
}

/** Outcome of one indicator output's test. */
export interface IndicatorTestResult {
  /** Which output. */
  name: keyof DoorIndicators;
  /** ok: switched on and back off; error: it could not be. */
  result: 'ok' | 'error';
  /** Error message, if any. */
  error: string | null;
}

/** How long each indicator is on in the walk-through (ms): a colour long enough to see, the buzzer a short beep. */
const INDICATOR_ON_MS: Record<keyof DoorIndicators, number> = { green: 1000, red: 1000, amber: 1000, buzzer: 200 };

/** Light each wired colour in turn and beep the buzzer, each off again afterwards; every output is off when it returns. */
async function testIndicators(indicators: DoorIndicators, d: HwTestDeps, sleep: (ms: number) => Promise<void>): Promise<IndicatorTestResult[]> {
  const results: IndicatorTestResult[] = [];
  for (const name of ['green', 'red', 'amber', 'buzzer'] as const) {
    const out: DigitalOutput | undefined = indicators[name];
    if (!out) continue;
    const ms = INDICATOR_ON_MS[name];
    d.print(name === 'buzzer' ? `    buzzer: beep ${ms} ms — listen at the door` : `    status LED ${name}: ON for ${ms / 1000} s — look at the LED by the reader`);
    try {
      try {
        out.set(true);
        await sleep(ms);
      } finally {
        out.set(false);
      }
      results.push({ name, result: 'ok', error: null });
    } catch (err) {
      results.push({ name, result: 'error', error: (err as Error).message });
      d.print(`    ${name} ERROR: ${(err as Error).message}`);
    }
  }
  return results;
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function testReader(r: CardReader, d: HwTestDeps): Promise<ReaderTestResult> {
  d.print(`reader ${r.id} (${r.direction}): tap a card within ${Math.round(d.tapTimeoutMs / 1000)} s`);
  let settle!: (v: ReaderTestResult) => void;
  const done = new Promise<ReaderTestResult>((resolve) => { settle = resolve; });
  const timer = setTimeout(() => settle({ id: r.id, result: 'timeout', uidBytes: null, error: null }), d.tapTimeoutMs);
  try {
    await r.start(
      (tap) => settle({ id: r.id, result: 'read', uidBytes: tap.uid.length / 2, error: null }),
      (err) => settle({ id: r.id, result: 'error', uidBytes: null, error: err.message }),
    );
  } catch (err) {
    settle({ id: r.id, result: 'error', uidBytes: null, error: (err as Error).message });
  }
  const res = await done;
  clearTimeout(timer);
  await r.stop().catch(() => undefined);
  d.print(res.result === 'read' ? `  reader ${r.id}: card read, UID ${res.uidBytes} bytes — OK`
    : res.result === 'timeout' ? `  reader ${r.id}: no card read — check wiring, power and the serial port / udev name`
      : `  reader ${r.id}: ERROR ${res.error}`);
  return res;
}

/** What the walk-through did not show working: empty when the relay switched, both inputs changed and every reader read a card. */
export function hwTestProblems(r: HwTestResult): string[] {
  const problems: string[] = [];
  if (r.relay !== 'ok') problems.push('the relay could not be switched');
  if (r.doorSwitch.changes === 0) problems.push('the door switch never changed');
  if (r.exitButton.changes === 0) problems.push('the exit button never changed');
  for (const x of r.indicators ?? []) if (x.result !== 'ok') problems.push(`the ${x.name === 'buzzer' ? 'buzzer' : `${x.name} LED`} could not be switched (${x.error})`);
  for (const x of r.readers) if (x.result !== 'read') problems.push(`reader ${x.id} read no card${x.error ? ` (${x.error})` : ''}`);
  return problems;
}

/** Signals that end `pintu hw test` (Ctrl-C, systemctl/kill, a closed terminal) and their exit codes (128 + number). */
const SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * Until the returned function is called, a SIGINT, SIGTERM or SIGHUP drives the relay off first, says so, releases the
 * door I/O and ends the process (`exit`, default process.exit) with 128 + the signal number. Without it, Ctrl-C during
 * the relay click left the strike energised: the door unlocked with nothing running.
 */
export function relayOffOnSignals(io: DoorIo, print: (line: string) => void, exit: (code: number) => void = (c) => process.exit(c)): () => void {
  const handlers = (Object.keys(SIGNALS) as (keyof typeof SIGNALS)[]).map((sig) => {
    const h = (): void => {
      let off = false;
      try { io.relay.set(false); off = !io.relay.isOn; } catch { /* reported below */ }
      try { io.close(); } catch { /* closing drives the relay off again; nothing more to do */ }
      print(`hw test interrupted by ${sig}: relay ${off ? 'OFF' : 'could NOT be confirmed off — check the strike'}`);
      exit(SIGNALS[sig]);
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  const onExit = (): void => { try { io.relay.set(false); } catch { /* last resort */ } };
  process.on('exit', onExit);
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
    process.off('exit', onExit);
  };
}

/** Run the walk-through; the relay is off when it returns or throws. */
export async function runHwTest(d: HwTestDeps): Promise<HwTestResult> {
  const sleep = d.sleep ?? realSleep;
  const now = d.now ?? Date.now;
  const { io } = d;
  let relay: HwTestResult['relay'] = 'ok';
  try {
    d.print('1/3 relay: ON for 1 s — listen for the click of the relay and the strike');
    if (d.wiring) d.print(`    /boot/firmware/config.txt must hold ${relayBootLine(d.wiring.relay)} (relay.activeLow: ${d.wiring.relay.activeLow}, ${d.wiring.relay.activeLow ? 'L' : 'H'}-trigger module): the relay stays off from power-on`);
    try {
      io.relay.set(true);
      await sleep(1000);
    } finally {
      io.relay.set(false);
    }
    d.print(`    relay OFF${io.relay.isOn ? ' — WARNING: it still reads as on' : ''}`);
    if (io.relay.isOn) relay = 'error';
  } catch (err) {
    relay = 'error';
    d.print(`    relay ERROR: ${(err as Error).message}`);
  }
  // The status LED and buzzer (where wired): each colour, then a beep (hardware/README.md, "Status LED and buzzer").
  const indicators = io.indicators ? await testIndicators(io.indicators, d, sleep) : undefined;

  const door = { initial: io.doorSwitch.read() ? 'open' as const : 'closed' as const, changes: 0 };
  const exit = { initial: io.exitButton.read() ? 'pressed' as const : 'released' as const, changes: 0 };
  d.print(`2/3 inputs for ${d.seconds} s: open and close the door, press the exit button (door ${door.initial}, exit button ${exit.initial})`);
  const t0 = now();
  const stamp = (at: number): string => `+${((at - t0) / 1000).toFixed(1)} s`;
  const unwatch = [
    io.doorSwitch.watch((active, at) => { door.changes += 1; d.print(`    ${stamp(at)} door ${active ? 'OPEN' : 'closed'}`); }),
    io.exitButton.watch((active, at) => { exit.changes += 1; d.print(`    ${stamp(at)} exit button ${active ? 'PRESSED' : 'released'}`); }),
  ];
  // The fire input: its reading (normal / fire / fault) on every change of either line; the panel's test mode and
  // unplugging the cable at the Pi should show fire and fault (hardware/README.md, "Fire alarm input").
  let fire: HwTestResult['fire'];
  if (io.fire) {
    const lines = { alarm: io.fire.alarm.read(), supervision: io.fire.supervision.read() };
    const f = { initial: fireReading(lines), changes: 0 };
    fire = f;
    d.print(`    fire input: ${f.initial.toUpperCase()} (alarm line ${lines.alarm ? 'active' : 'inactive'}, supervision loop ${lines.supervision ? 'intact' : 'BROKEN'})`);
    const on = (line: 'alarm' | 'supervision') => (active: boolean, at: number): void => {
      lines[line] = active;
      f.changes += 1;
      d.print(`    ${stamp(at)} fire input ${fireReading(lines).toUpperCase()} (${line} line ${active ? 'active' : 'inactive'})`);
    };
    unwatch.push(io.fire.alarm.watch(on('alarm')), io.fire.supervision.watch(on('supervision')));
  }
  // The UPS's mains signal: pull the UPS's mains plug to see it go to battery.
  let mains: HwTestResult['mains'];
  if (io.mains) {
    const m = { initial: io.mains.read() ? 'present' as const : 'battery' as const, changes: 0 };
    mains = m;
    d.print(`    mains (UPS): ${m.initial === 'present' ? 'present' : 'ON BATTERY'} — unplug the UPS's mains to see it change`);
    unwatch.push(io.mains.watch((active, at) => { m.changes += 1; d.print(`    ${stamp(at)} mains ${active ? 'present' : 'LOST (on battery)'}`); }));
  }
  try {
    await sleep(d.seconds * 1000);
  } finally {
    for (const u of unwatch) u();
  }
  d.print(`    door switch: ${door.changes} changes${door.changes ? '' : ' — none seen: check the reed switch'}; exit button: ${exit.changes} changes${exit.changes ? '' : ' — none seen: check the button'}`);

  d.print(`3/3 readers (${d.readers.length})`);
  const readers: ReaderTestResult[] = [];
  for (const r of d.readers) readers.push(await testReader(r, d));
  try { io.relay.set(false); } catch { /* a failing relay was reported in step 1 */ }
  const bootConfig = d.wiring ? bootConfigLines(d.wiring, { uart: d.headerUart ?? false }) : undefined;
  if (bootConfig) d.print(['config.txt lines for this wiring (add at the end of /boot/firmware/config.txt, then reboot):', ...bootConfig.map((l) => `    ${l}`)].join('\n'));
  return {
    relay, doorSwitch: door, exitButton: exit, readers, ...(fire ? { fire } : {}), ...(indicators ? { indicators } : {}), ...(mains ? { mains } : {}),
    ...(bootConfig ? { bootConfig } : {}),
  };
}

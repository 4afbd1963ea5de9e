/**
 * `npm run bench`, the GPIO character device (issue 16; alone: `BENCH_ONLY=gpiod npm run bench`): what the
 * `hardware: gpiod` helper process adds between pintu's strike command and the line being driven.
 *
 * The real helper (scripts/pintu-gpiod.py, the process a door runs) against the fake libgpiod module of the tests
 * (test/fixtures/fake-gpiod, both binding generations), timed from the command written to its stdin to its
 * acknowledgement, which it writes after the binding's set_value returned: one pipe hop each way, the JSON, Python's
 * turn and the binding call. The fake binding appends each level to a log file, which a real kernel ioctl does not: the
 * figure is an upper bound of the hop. The door's relay is driven synchronously (the command is written in the tap's
 * turn), so this is added to the tap → relay figures above, which are taken on the fake onoff binding.
 * BENCH_GPIOD_SETS (1000 per binding).
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { findGpiodHelper } from '../src/adapters/gpio/gpiod-helper.js';
import { fakeGpiod, TEST_PYTHON } from '../test/helpers/fake-gpiod.js';
import { ms, pct } from './table.js';
import type { RowFn } from './secure-badge.js';

/** Commands per binding generation. */
const SETS = Number(process.env.BENCH_GPIOD_SETS ?? 1000);
/** The goal: p99 command → line driven. */
export const GPIOD_GOAL_MS = 2;

/** Time `SETS` strike commands through the helper on one binding generation (ms each). */
async function hop(flavour: 'v1' | 'v2'): Promise<{ lat: number[]; startMs: number }> {
  const w = fakeGpiod(flavour);
  // The fake's Python files stay in the source tree (tsc does not copy them to dist/): found from the helper's place.
  const fixtures = join(dirname(dirname(findGpiodHelper())), 'test', 'fixtures', 'fake-gpiod');
  const env = { ...w.env, PYTHONPATH: `${join(fixtures, 'common')}:${join(fixtures, flavour)}` };
  const t0 = process.hrtime.bigint();
  const child = spawn(TEST_PYTHON, [findGpiodHelper(), 'serve'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = new Map<number, (t: bigint) => void>();
  let ready: (() => void) | null = null;
  lines.on('line', (l) => {
    const m = JSON.parse(l) as { type: string; seq?: number };
    if (m.type === 'ready') ready?.();
    else if (m.type === 'ack') waiting.get(m.seq!)?.(process.hrtime.bigint());
    else if (m.type === 'error') throw new Error(`gpiod bench: the helper failed: ${l}`);
  });
  const send = (o: object): void => { child.stdin.write(`${JSON.stringify(o)}\n`); };
  try {
    const up = new Promise<void>((r) => { ready = r; });
    send({ op: 'open', chip: 'auto', devDir: w.devDir, labels: ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'], lines: [
      { role: 'relay', pin: 17, out: true, activeLow: false },
      { role: 'doorSwitch', pin: 27, out: false, activeLow: false, debounceMs: 50 },
      { role: 'exitButton', pin: 22, out: false, activeLow: true, debounceMs: 50 },
    ] });
    await up;
    const startMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const lat: number[] = [];
    for (let seq = 1; seq <= SETS; seq++) {
      const acked = new Promise<bigint>((r) => waiting.set(seq, r));
      const sent = process.hrtime.bigint();
      send({ op: 'set', seq, role: 'relay', on: seq % 2 === 1 });
      lat.push(Number((await acked) - sent) / 1e6);
      waiting.delete(seq);
      if (seq % 50 === 0) await new Promise((r) => setTimeout(r, 5)); // a door's taps are apart, not back to back
    }
    return { lat, startMs };
  } finally {
    send({ op: 'close' });
    await new Promise((r) => child.once('exit', r));
    w.cleanup();
  }
}

/** The gpiod rows: the command → line hop on each binding generation, and the helper's start. */
export async function gpiodFigures(row: RowFn): Promise<void> {
  for (const flavour of ['v2', 'v1'] as const) {
    const { lat, startMs } = await hop(flavour);
    const name = flavour === 'v2' ? 'libgpiod 2 API (Trixie)' : 'libgpiod 1.6 API (Bookworm)';
    row(`gpiod: strike command → line driven through the helper process, ${name}, fake binding (${lat.length} commands)`,
      `${ms(pct(lat, 50))} / ${ms(pct(lat, 99))} / ${ms(Math.max(...lat))}`, `p99 ≤ ${GPIOD_GOAL_MS} ms`, pct(lat, 99) <= GPIOD_GOAL_MS);
    row(`gpiod: helper start → every door line requested (${name}, once)`, ms(startMs), '–', null);
  }
}

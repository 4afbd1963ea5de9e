/**
 * Review of issue 16 (gpiod): an acknowledgement that has arrived must never be counted as missing. A door whose event
 * loop is held up (a synchronous SQLite write stalled on a slow SD card) past ackTimeoutMs, with a command in flight
 * (the status LED blinks through the same helper, so one nearly always is), must not fail as "not acknowledged" while
 * the helper's ack sits unread in the pipe: Node runs expired timers before it reads the pipe.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { gpioSchema } from '../../src/config/schema.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { createGpiodDoorIo, type GpiodDoorIo } from '../../src/adapters/gpio/gpiod-door-io.js';
import { fakeGpiod, physicalHistory, TEST_PYTHON, type FakeGpiod } from '../helpers/fake-gpiod.js';

let world: FakeGpiod | null = null;
let io: GpiodDoorIo | null = null;
afterEach(async () => {
  io?.close();
  if (io) await io.exited();
  world?.cleanup();
  world = null;
  io = null;
});

/** Hold the event loop up for at least `ms`, and until `done()` (polled synchronously) holds, then 200 ms more. */
const busy = (ms: number, done: () => boolean): void => {
  const start = Date.now();
  while (Date.now() - start < ms || !done()) { /* the event loop is held up */ }
  const end = Date.now() + 200; // the helper writes its ack right after driving the line
  while (Date.now() < end) { /* still held up */ }
};
const turn = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

describe('gpiod acknowledgements and a held-up event loop', () => {
  it('an ack that arrived while the event loop was blocked past ackTimeoutMs is not a fatal', async () => {
    world = fakeGpiod('v2');
    const fatal: Error[] = [];
    io = await createGpiodDoorIo(gpioSchema.parse({}), silentLogger(), {
      python: TEST_PYTHON, env: world.env, devDir: world.devDir, ackTimeoutMs: 300, onFatal: (e) => fatal.push(e),
    });
    io.relay.set(true);
    // The helper drives and acknowledges at once; pintu's loop is stuck longer than the ack timeout meanwhile.
    const w = world;
    busy(1000, () => physicalHistory(w.log(), 17).length === 2);
    await w.waitFor((l) => expect(physicalHistory(l, 17)).toEqual([0, 1]));
    for (let i = 0; i < 5; i++) await turn();
    expect(fatal.map((e) => e.message)).toEqual([]);
    io.relay.set(false);
    await w.waitFor((l) => expect(physicalHistory(l, 17)).toEqual([0, 1, 0]));
  });
});

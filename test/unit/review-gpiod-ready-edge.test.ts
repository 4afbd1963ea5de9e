/**
 * Review of issue 16 (gpiod): an input change the helper reports right after `ready` — in the same read of its pipe —
 * must reach the door I/O. A door switch opened (or a fire alarm raised) just as pintu starts must not be lost: after a
 * lost edge pintu keeps the initial level, and the next edge, back to that level, is dropped as "no change", so the
 * opening is never seen at all. A stand-in helper writes `ready` and the edge in one write, as a busy pipe delivers them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gpioSchema } from '../../src/config/schema.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { createGpiodDoorIo, type GpiodDoorIo } from '../../src/adapters/gpio/gpiod-door-io.js';
import { TEST_PYTHON } from '../helpers/fake-gpiod.js';

const HELPER = `
import json, os, sys
buf = b""
while b"\\n" not in buf:
    buf += os.read(0, 65536)
msg = json.loads(buf.split(b"\\n", 1)[0])
levels = {l["role"]: False for l in msg["lines"] if not l["out"]}
sys.stdout.write(json.dumps({"type": "ready", "api": 2, "chip": "/dev/gpiochip0", "label": "pinctrl-bcm2711", "levels": levels}) + "\\n"
                 + json.dumps({"type": "edge", "role": "doorSwitch", "active": True}) + "\\n")
sys.stdout.flush()
for line in sys.stdin:
    cmd = json.loads(line)
    if cmd.get("op") == "set":
        sys.stdout.write(json.dumps({"type": "ack", "seq": cmd["seq"]}) + "\\n")
        sys.stdout.flush()
    elif cmd.get("op") == "close":
        break
`;

let dir = '';
let io: GpiodDoorIo | null = null;
afterEach(async () => {
  io?.close();
  if (io) await io.exited();
  io = null;
  rmSync(dir, { recursive: true, force: true });
});

describe('gpiod: an edge in the same read as ready', () => {
  it('is applied: the door switch reads open', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pintu-ready-edge-'));
    const helperPath = join(dir, 'helper.py');
    writeFileSync(helperPath, HELPER);
    io = await createGpiodDoorIo(gpioSchema.parse({}), silentLogger(), { python: TEST_PYTHON, helperPath, onFatal: () => undefined });
    expect(io.doorSwitch.read()).toBe(true);
  });
});

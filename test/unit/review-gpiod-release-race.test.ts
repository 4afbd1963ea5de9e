/**
 * Review of issue 16 (gpiod helper): a signal that arrives just as the helper starts releasing the lines (systemctl stop
 * signals pintu and its helper together, while pintu's close is being served) must not leave the strike as it was.
 * The signal is made to land at that instant by wrapping `signal.signal` in the helper process: the first call that
 * ignores a signal (release() starting) raises the helper's Stop, as the real SIGTERM handler would there.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeGpiod, physicalHistory, TEST_PYTHON, type FakeGpiod } from '../helpers/fake-gpiod.js';

const HELPER = fileURLToPath(new URL('../../scripts/pintu-gpiod.py', import.meta.url));
const DRIVER = `
import importlib.util, signal, sys
spec = importlib.util.spec_from_file_location("pintu_gpiod", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
real = signal.signal
hit = []
def racing(signum, handler):
    if handler is signal.SIG_IGN and not hit:
        hit.append(signum)
        raise mod.Stop(signal.SIGTERM)
    return real(signum, handler)
signal.signal = racing
sys.exit(mod.serve())
`;

let worlds: FakeGpiod[] = [];
afterEach(() => {
  for (const w of worlds) w.cleanup();
  worlds = [];
});

describe.each(['v2', 'v1'] as const)('gpiod helper release under a signal (%s binding)', (flavour) => {
  it('a SIGTERM landing as release() starts still drives the strike off before the lines go', () => {
    const w = fakeGpiod(flavour);
    worlds.push(w);
    const lines = [{ role: 'relay', pin: 17, out: true, activeLow: false }];
    const input = [
      { op: 'open', chip: 'auto', devDir: w.devDir, lines },
      { op: 'set', seq: 1, role: 'relay', on: true },
      { op: 'close' },
    ].map((m) => JSON.stringify(m)).join('\n') + '\n';
    const run = spawnSync(TEST_PYTHON, ['-c', DRIVER, HELPER], { input, env: w.env, encoding: 'utf8', timeout: 20_000 });
    const said = run.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { type: string });
    expect(said.map((m) => m.type)).toContain('ack');
    expect(physicalHistory(w.log(), 17)).toEqual([0, 1, 0]);
    expect(w.log().at(-1)).toMatchObject({ op: 'release' });
  });
});

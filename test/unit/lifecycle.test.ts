import { describe, it, expect } from 'vitest';
import { Lifecycle, type Part } from '../../src/app/lifecycle.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { SimCardReader } from '../../src/adapters/sim/sim-reader.js';
import { buildDaemon, type DoorStore } from '../../src/main.js';
import { tempConfig } from '../helpers/config.js';

/** Parts that record their starts and stops in `seen`; `failStart`/`failStop` name parts that throw. */
function recorded(names: string[], o: { failStart?: string; failStop?: string; slowStart?: Promise<void> } = {}) {
  const seen: string[] = [];
  const parts: Part[] = names.map((name) => ({
    name,
    start: async () => {
      if (name === o.failStart) throw new Error(`${name} cannot start`);
      if (name === 'slow' && o.slowStart) await o.slowStart;
      seen.push(`start ${name}`);
    },
    stop: (reason: string) => {
      seen.push(`stop ${name} (${reason})`);
      if (name === o.failStop) throw new Error(`${name} cannot stop`);
    },
  }));
  return { seen, parts };
}

describe('Lifecycle', () => {
  it('starts the parts in order and stops them in reverse, once however often stop is asked', async () => {
    const { seen, parts } = recorded(['a', 'b', 'c']);
    const l = new Lifecycle(parts, silentLogger());
    expect(l.order).toEqual(['a', 'b', 'c']);
    await l.start();
    await Promise.all([l.stop('x'), l.stop('y')]);
    await l.stop('z');
    expect(seen).toEqual(['start a', 'start b', 'start c', 'stop c (x)', 'stop b (x)', 'stop a (x)']);
  });

  it('a part that fails to start stops the parts started before it, in reverse, and the start fails with its error', async () => {
    const { seen, parts } = recorded(['a', 'b', 'c', 'd'], { failStart: 'c' });
    const l = new Lifecycle(parts, silentLogger());
    await expect(l.start()).rejects.toThrow('c cannot start');
    expect(seen).toEqual(['start a', 'start b', 'stop b (c failed to start)', 'stop a (c failed to start)']);
  });

  it('a part that fails to stop is logged and the parts before it are still stopped', async () => {
    const { seen, parts } = recorded(['a', 'b', 'c'], { failStop: 'b' });
    const l = new Lifecycle(parts, silentLogger());
    await l.start();
    await l.stop('end');
    expect(seen.slice(3)).toEqual(['stop c (end)', 'stop b (end)', 'stop a (end)']);
  });

  it('a stop asked for during the start waits for the part starting, starts no further part, and stops in reverse', async () => {
    let release!: () => void;
    const { seen, parts } = recorded(['a', 'slow', 'c'], { slowStart: new Promise<void>((r) => { release = r; }) });
    const l = new Lifecycle(parts, silentLogger());
    const started = l.start();
    await new Promise((r) => setImmediate(r));
    const stopped = l.stop('signal');
    release();
    await started;
    await stopped;
    expect(seen).toEqual(['start a', 'start slow', 'stop slow (signal)', 'stop a (signal)']);
  });
});

describe("the door's composition root", () => {
  it('orders the running door: store, door, the status LED/buzzer signals, readers, scheduler, console, status timers (a link, when configured, right after the store; the console only when enabled)', async () => {
    const tc = tempConfig();
    try {
      const io = new SimDoorIo();
      const daemon = await buildDaemon(tc.config, silentLogger(), { io, readers: [new SimCardReader('in', 'in')] });
      expect(daemon.lifecycle.order).toEqual(['store', 'door', 'signals', 'readers', 'scheduler', 'console', 'status']);
      const off = tempConfig({ console: { enabled: false } });
      try {
        const without = await buildDaemon(off.config, silentLogger(), { io: new SimDoorIo(), readers: [] });
        expect(without.lifecycle.order).toEqual(['store', 'door', 'signals', 'readers', 'scheduler', 'status']);
        await without.start();
        await without.stop('test end');
      } finally {
        off.cleanup();
      }
      // Built, not started: the relay is off (the door I/O is created first, relay off).
      expect(io.relay.isOn).toBe(false);
      await daemon.start();
      await daemon.stop('test end');
      expect((daemon.parts.store as DoorStore).db.open).toBe(false);
      expect(io.relay.isOn).toBe(false);
    } finally {
      tc.cleanup();
    }
  });
});

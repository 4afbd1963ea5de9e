import { describe, it, expect } from 'vitest';
import type { CardReader, ReaderHealth } from '../../src/ports/hardware.js';
import { ReaderSupervisor } from '../../src/app/reader-supervisor.js';
import { silentLogger } from '../../src/adapters/log/pino.js';

/** A serial reader on a loose cable: its adapter reconnects by itself, so it is open one second and closed the next. */
function flappingReader(): CardReader & { open: boolean } {
  const r = {
    id: 'in-1', direction: 'in' as const, open: true,
    start: async () => undefined,
    stop: async () => undefined,
    health: (): ReaderHealth => ({ id: 'in-1', open: r.open, lastHeardAt: null, lastTapAt: null, rejectedFrames: 0, lastError: r.open ? null : 'device closed' }),
  };
  return r;
}

describe('review 2: a flapping reader', () => {
  it('does not write a pair of fsync\'d events per flap (an hour of flapping each second stays a handful of events)', async () => {
    const reader = flappingReader();
    const events: string[] = [];
    let now = Date.parse('2026-12-01T00:00:00Z');
    const sup = new ReaderSupervisor({ readers: [reader], onTap: () => undefined, append: (type) => { events.push(type); }, log: silentLogger(), now: () => now });
    await sup.start();
    // One hour of heartbeats (one poll a second), the reader closing and reopening every other second.
    for (let i = 0; i < 3600; i++) {
      reader.open = i % 2 === 1;
      sup.poll();
      now += 1000;
    }
    expect(events[0]).toBe('alarm.reader_down');
    expect(events.length).toBeLessThanOrEqual(6);
    await sup.stop();
  });

  it('a reader unplugged once and plugged back is restored at once', async () => {
    const reader = flappingReader();
    const events: string[] = [];
    let now = Date.parse('2026-12-01T00:00:00Z');
    const sup = new ReaderSupervisor({ readers: [reader], onTap: () => undefined, append: (type) => { events.push(type); }, log: silentLogger(), now: () => now });
    await sup.start();
    reader.open = false; sup.poll(); now += 1000;
    reader.open = true; sup.poll();
    expect(events).toEqual(['alarm.reader_down', 'reader.restored']);
    expect(sup.down()).toEqual([]);
    await sup.stop();
  });
});

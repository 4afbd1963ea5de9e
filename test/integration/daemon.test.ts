/**
 * The door controller end to end in one process: real SQLite in a temp dir, simulated relay/inputs/readers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDaemon, openStore, visitService } from '../../src/main.js';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { SimCardReader } from '../../src/adapters/sim/sim-reader.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { Daemon } from '../../src/app/daemon.js';
import type { VisitService } from '../../src/app/visit-service.js';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';
import { until } from '../helpers/cli.js';

const HEAD = '0A00000001';
const COORD = '0A00000002';
const STAFF = '0A00000003';
const BADGE = '1B00000001';

interface Rig { tc: TempConfig; daemon: Daemon; io: SimDoorIo; rin: SimCardReader; rout: SimCardReader; visits: VisitService }

async function rig(overrides: Record<string, unknown> = {}): Promise<Rig> {
  const tc = tempConfig(overrides);
  const io = new SimDoorIo({ relayOn: true }); // a relay left on by a previous crash must be driven off at start
  const rin = new SimCardReader('in', 'in');
  const rout = new SimCardReader('out', 'out');
  const daemon = await buildDaemon(tc.config, silentLogger(), { io, readers: [rin, rout] });
  await daemon.start();
  const visits = visitService(tc.config, daemon.parts.store);
  visits.addOfficer('Head', 'head', HEAD);
  visits.addOfficer('Coord', 'coordinator', COORD);
  visits.addOfficer('Staff', 'staff', STAFF);
  visits.addBadge(BADGE, 'TAMU-01');
  return { tc, daemon, io, rin, rout, visits };
}

function approvedVisit(visits: VisitService, devices = [{ description: 'Laptop', serial: 'SN-1' }]): string {
  const v = visits.request({ name: 'Budi', nik: testNik(1), org: 'PT X', purpose: 'disk swap', devices, ktpUid: '04AABBCCDD' });
  visits.check(v.id, 'O2');
  visits.approve(v.id, 'O1');
  visits.issue(v.id, 'TAMU-01', 'O3', { rulesAcknowledged: true });
  return v.id;
}

const types = (r: Rig, since = 0): string[] => r.daemon.parts.store.events.since(since, 10_000).map((e) => e.type);
const lastOf = (r: Rig, type: string) => r.daemon.parts.store.events.since(0, 10_000).filter((e) => e.type === type).at(-1);
const wait = (ms: number) => new Promise((res) => setTimeout(res, ms));

describe('a door reader that cannot open', () => {
  it('does not stop the start: the exit button, door alarms and the other reader work, one alarm.reader_down, retried until it opens', async () => {
    const tc = tempConfig();
    const io = new SimDoorIo();
    const rin = new SimCardReader('in', 'in');
    const rout = new SimCardReader('out', 'out');
    let unplugged = true;
    let attempts = 0;
    const realStart = rin.start.bind(rin);
    rin.start = async (onTap, onError) => {
      attempts += 1;
      if (unplugged) throw new Error('reader "in": cannot open serial port /dev/pintu-reader-in: No such file or directory');
      return realStart(onTap, onError);
    };
    const built = await buildDaemon(tc.config, silentLogger(), { io, readers: [rin, rout] });
    const daemon = new Daemon({ ...built.parts, readerRetry: { firstMs: 20, maxMs: 80 } });
    try {
      await daemon.start();
      const store = daemon.parts.store;
      const all = (): string[] => store.events.since(0, 10_000).map((e) => e.type);
      expect(daemon.healthy()).toBe(true);
      expect(daemon.readers.down()).toEqual(['in']);
      const visits = visitService(tc.config, store);
      visits.addOfficer('Coord', 'coordinator', COORD);
      io.openDoor(); // no grant: the door alarm still works
      expect(all()).toContain('door.forced');
      io.closeDoor();
      io.pressExit();
      expect(io.relay.isOn).toBe(true);
      rout.tap(COORD);
      expect(store.events.since(0, 1000).filter((e) => e.type === 'access.granted').map((e) => e.data.reader)).toEqual(['out']);
      await until(() => attempts >= 4, 'a few retries');
      expect(all().filter((t) => t === 'alarm.reader_down')).toEqual(['alarm.reader_down']);
      unplugged = false;
      await until(() => all().includes('reader.restored'), 'the reader to be restored', 5000);
      expect(daemon.readers.down()).toEqual([]);
      rin.tap(COORD);
      expect(store.events.since(0, 1000).filter((e) => e.type === 'access.granted').map((e) => e.data.reader)).toEqual(['out', 'in']);
      const n = attempts;
      await wait(200);
      expect(attempts).toBe(n); // no retries once open
    } finally {
      await daemon.stop('test end');
      tc.cleanup();
    }
  });
});

describe('door controller daemon (sim hardware, real SQLite)', () => {
  let r: Rig;
  beforeEach(async () => { r = await rig(); });
  afterEach(async () => { await r.daemon.stop('test end'); r.tc.cleanup(); });

  it('drives the relay off at start, then opens only for an escorted, issued visit', async () => {
    expect(r.io.relayHistory[0]?.on).toBe(false);
    expect(r.io.relay.isOn).toBe(false);
    const id = approvedVisit(r.visits);
    r.rin.tap(BADGE);
    expect(r.io.relay.isOn).toBe(false);
    expect(lastOf(r, 'access.awaiting_escort')?.data.visit).toBe(id);
    r.rin.tap(COORD);
    expect(r.io.relay.isOn).toBe(true);
    const granted = r.daemon.parts.store.events.since(0, 1000).filter((e) => e.type === 'access.granted');
    expect(granted.map((e) => e.data.holder)).toEqual(['officer', 'visitor']);
    expect(granted[1]?.data.escort).toBe('O2');
    expect(r.daemon.parts.store.visit(id)?.presence).toBe('inside');
    await wait(1300);
    expect(r.io.relay.isOn).toBe(false);
    expect(types(r)).toContain('access.unused');
  });

  it('refuses a visitor with no escort once the window passes', async () => {
    await r.daemon.stop();
    r.tc.cleanup();
    r = await rig({ escort: { required: true, windowSeconds: 1 } });
    approvedVisit(r.visits);
    r.rin.tap(BADGE);
    await wait(1200);
    const denied = lastOf(r, 'access.denied');
    expect(denied?.data.reason).toBe('escort-missing');
    expect(r.io.relayHistory.filter((c) => c.on).length).toBe(0);
  });

  it('sees a revocation made by another connection at the next tap', () => {
    const id = approvedVisit(r.visits);
    r.rin.tap(COORD);
    const other = openStore(r.tc.config);
    visitService(r.tc.config, other).revoke(id, 'O1', 'purpose changed');
    other.db.close();
    r.rin.tap(BADGE);
    expect(lastOf(r, 'access.denied')?.data).toMatchObject({ reason: 'revoked', visit: id });
  });

  it('records door.forced when the door opens without a grant, and door.held when left open', async () => {
    r.io.openDoor();
    expect(lastOf(r, 'door.forced')).toBeDefined();
    await wait(2300);
    expect(lastOf(r, 'door.held')).toBeDefined();
    r.io.closeDoor();
    expect(lastOf(r, 'door.closed')).toBeDefined();
  });

  it('opens for the exit button without a badge', () => {
    r.io.pressExit();
    expect(r.io.relay.isOn).toBe(true);
    r.io.openDoor();
    expect(lastOf(r, 'door.opened')?.data.via).toBe('rex');
    expect(lastOf(r, 'door.forced')).toBeUndefined();
  });

  it('raises an alarm when the last officer leaves while a visitor is inside', () => {
    const id = approvedVisit(r.visits);
    r.rin.tap(COORD);
    r.rin.tap(BADGE);
    r.rout.tap(COORD);
    expect(lastOf(r, 'alarm.visitor_unescorted')?.data).toMatchObject({ officer: 'O2', visits: [id] });
  });

  it('refuses passback and records unknown cards only as keyed hashes', () => {
    approvedVisit(r.visits);
    r.rin.tap(COORD);
    r.rin.tap(BADGE);
    r.rin.tap(BADGE);
    expect(lastOf(r, 'access.denied')?.data.reason).toBe('passback');
    r.rin.tap('04AABBCCDD');
    const unknown = lastOf(r, 'access.denied');
    expect(unknown?.data.reason).toBe('unknown-badge');
    expect(JSON.stringify(unknown?.data)).not.toContain('04AABBCCDD');
    expect(unknown?.data.cardHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('after checkout the badge is refused as returned and the chain verifies', () => {
    const id = approvedVisit(r.visits, [{ description: 'Laptop', serial: 'SN-1' }, { description: 'HDD', serial: 'HD-9' }]);
    r.rin.tap(COORD);
    r.rin.tap(BADGE);
    r.rout.tap(BADGE);
    r.visits.checkout(id, 'O3', [{ description: 'Laptop', serial: 'sn 1' }]);
    expect(lastOf(r, 'visit.device_mismatch')?.data.notCarriedOut).toEqual([{ description: 'HDD', serial: 'HD-9' }]);
    r.rin.tap(BADGE);
    expect(lastOf(r, 'access.denied')?.data.reason).toBe('returned');
    expect(r.daemon.parts.store.events.verify()).toBeNull();
  });

  it('counts repeated reads of the same card within door.repeatTapSeconds once', async () => {
    await r.daemon.stop();
    r.tc.cleanup();
    r = await rig({ door: { id: 'door-1', strikeSeconds: 1, heldOpenSeconds: 2, repeatTapSeconds: 2 } });
    const before = r.daemon.parts.store.events.lastSeq();
    r.rin.tap(COORD);
    r.rin.tap(COORD);
    r.rin.tap(COORD);
    r.rout.tap(COORD); // another reader is another read
    const taps = r.daemon.parts.store.events.since(before).filter((e) => e.type.startsWith('access.'));
    expect(taps.map((e) => e.data.reader)).toEqual(['in', 'out']);
  });

  it('keeps feeding the systemd watchdog when a reader closes, and records alarm.reader_down once, then reader.restored', async () => {
    expect(r.daemon.healthy()).toBe(true);
    await r.rout.stop(); // a reader that closed (unplugged, wedged driver): a restart cannot fix it and would take the door down
    expect(r.daemon.healthy()).toBe(true);
    r.daemon.writeStatus(); // the heartbeat notices
    r.daemon.writeStatus();
    expect(types(r).filter((t) => t === 'alarm.reader_down')).toEqual(['alarm.reader_down']);
    expect(lastOf(r, 'alarm.reader_down')?.data).toMatchObject({ reader: 'out', direction: 'out' });
    await r.rout.start((tap) => r.daemon.onTap(tap), () => undefined);
    r.daemon.writeStatus();
    expect(lastOf(r, 'reader.restored')?.data).toMatchObject({ reader: 'out' });
    expect(r.daemon.healthy()).toBe(true);
  });

  it('withholds the watchdog ping when the database is dead', () => {
    expect(r.daemon.healthy()).toBe(true);
    r.daemon.parts.store.close();
    expect(r.daemon.healthy()).toBe(false);
  });

  it('withholds the watchdog ping while the strike relay cannot be driven', () => {
    expect(r.daemon.healthy()).toBe(true);
    r.io.relay.failWith = new Error('GPIO 17: EIO');
    r.rin.tap(COORD); // the grant cannot switch the relay: the controller records the relay error
    expect(r.io.relay.isOn).toBe(false);
    expect(r.daemon.healthy()).toBe(false);
    r.io.relay.failWith = null;
  });

  it('stops in order: relay off and a last event', async () => {
    r.rin.tap(COORD);
    expect(r.io.relay.isOn).toBe(true);
    const store = r.daemon.parts.store;
    const before = store.events.lastSeq();
    await r.daemon.stop('test');
    expect(r.io.relay.isOn).toBe(false);
    const reopened = openStore(r.tc.config);
    expect(reopened.events.since(before).map((e) => e.type)).toContain('daemon.stopped');
    reopened.db.close();
    r.tc.cleanup();
    r = await rig();
  });
});

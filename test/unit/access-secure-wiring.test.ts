/**
 * The running door wires issue 15 from its config: `readers[].secure` makes a reader one that must see a proof, and
 * `badges.visitorsNeedSecureReader` refuses visitors at the readers that only read a UID (buildDaemon, sim readers).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { buildDaemon, visitService } from '../../src/main.js';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { SimCardReader } from '../../src/adapters/sim/sim-reader.js';
import { seedIssuedVisit, tempConfig } from '../helpers/config.js';

const HEAD = '0A00';
const STAFF = '0A01';
const BADGE = '1B01';
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

async function waitFor(cond: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('secure readers and visitorsNeedSecureReader from the config', () => {
  it('a secure reader refuses cards that are not enrolled; a plain reader refuses visitors when the site says so, and a copy of an enrolled badge with an alarm', async () => {
    const tc = tempConfig({
      readers: [
        { id: 'sin', direction: 'in', kind: 'sim', secure: 'ntag424' }, { id: 'in', direction: 'in', kind: 'sim' }, { id: 'out', direction: 'out', kind: 'sim' },
      ],
      badges: { visitorsNeedSecureReader: true },
    });
    dirs.push(tc.dir);
    const readers = { sin: new SimCardReader('sin', 'in'), in: new SimCardReader('in', 'in'), out: new SimCardReader('out', 'out') };
    const daemon = await buildDaemon(tc.config, silentLogger(), { io: new SimDoorIo(), readers: [readers.sin, readers.in, readers.out] });
    await daemon.start();
    const store = daemon.parts.store;
    try {
      const visitId = seedIssuedVisit(visitService(tc.config, store), { head: HEAD, staff: STAFF, badge: BADGE });
      const access = (): { type: string; reader: unknown; reason: unknown; why: unknown }[] => store.events.since(0, 10_000)
        .filter((e) => e.type.startsWith('access.') || e.type === 'alarm.clone_suspected')
        .map((e) => ({ type: e.type, reader: e.data.reader, reason: e.data.reason, why: e.data.why }));
      const tapAndWait = async (reader: SimCardReader, uid: string, events: number): Promise<void> => {
        reader.tap(uid);
        await waitFor(() => access().length >= events);
      };
      await tapAndWait(readers.sin, STAFF, 1); // a plain badge at the secure reader
      await tapAndWait(readers.in, BADGE, 2); // a visitor at the plain reader
      await tapAndWait(readers.in, STAFF, 3); // an officer at the plain reader: the option is about visitors
      store.tx(() => store.saveSecureBadge({ uid: HEAD, keyVersion: 1, holder: 'officer', enrolledAt: Date.now() }, 'O1'));
      await tapAndWait(readers.in, HEAD, 5); // the head's enrolled badge read by a plain reader: a copy
      expect(access()).toEqual([
        { type: 'access.denied', reader: 'sin', reason: 'insecure-badge', why: undefined },
        { type: 'access.denied', reader: 'in', reason: 'insecure-reader', why: undefined },
        { type: 'access.granted', reader: 'in', reason: undefined, why: undefined },
        { type: 'access.denied', reader: 'in', reason: 'clone-suspected', why: undefined },
        { type: 'alarm.clone_suspected', reader: 'in', reason: undefined, why: 'uid-only' },
      ]);
      expect(store.visit(visitId)?.presence).toBe('outside');
    } finally {
      await daemon.stop('test end');
    }
  }, 40_000);
});

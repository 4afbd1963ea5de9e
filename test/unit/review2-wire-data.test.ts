import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { SqliteCentralStore } from '../../src/central/sqlite-store.js';
import { eventsMessageSchema, parsePayload } from '../../src/protocol/messages.js';
import { filler } from '../helpers/events.js';

const dirs: string[] = [];
const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('review 2: event data on the wire', () => {
  it('an event whose data has a "__proto__" key reaches the centre with the hash the door computed (no chain-break stall)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-review2-wire-'));
    dirs.push(dir);
    const door = new Store(openDatabase(join(dir, 'door.db'), { synchronous: 'normal' }), 'd1', null);
    closers.push(() => door.db.close());
    door.tx(() => door.events.append([filler('door.opened', JSON.parse('{"__proto__":{"x":1},"n":1}') as Record<string, unknown>)], Date.now()));
    expect(door.events.verify()).toBeNull();
    const wire = door.events.since(0).map((e) => ({ seq: e.seq, type: e.type, at: e.at, data: e.data, prevHash: e.prevHash, hash: e.hash }));
    const msg = parsePayload(eventsMessageSchema, JSON.stringify({ v: 1, events: wire, sig: 'x' }));
    expect(msg).not.toBeNull();
    const centre = new SqliteCentralStore(join(dir, 'central.db'));
    closers.push(() => void centre.close());
    await centre.enroll('s', 'd1', 'key', Date.now());
    const r = await centre.ingest('s', 'd1', msg!.events, Date.now());
    expect(r.outcome).toBe('stored');
  });
});

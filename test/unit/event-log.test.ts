import { describe, it, expect, afterEach } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import Database from 'better-sqlite3';
import { openDatabase, migrate, type Db } from '../../src/adapters/sqlite/db.js';
import { MIGRATIONS, type Migration } from '../../src/adapters/sqlite/migrations.js';
import { EventLog } from '../../src/adapters/sqlite/event-log.js';
import { GENESIS_HASH, eventHash } from '../../src/protocol/chain.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { newVisit } from '../../src/domain/visit.js';
import type { DomainEvent } from '../../src/domain/events.js';
import { filler } from '../helpers/events.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LATEST = MIGRATIONS.at(-1)!.version;
const T0 = Date.UTC(2026, 10, 23, 1, 0, 0);

const dirs: string[] = [];
const dbs: Db[] = [];
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'pintu-evlog-')); dirs.push(d); return d; };
const open = (path: string, migrations?: readonly Migration[]): Db => { const db = openDatabase(path, { synchronous: 'normal' }, migrations); dbs.push(db); return db; };
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const userVersion = (db: Db): number => db.pragma('user_version', { simple: true }) as number;
const tables = (db: Db): string[] => db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => r.name);
const ev = (type: string, data: Record<string, unknown> = {}): DomainEvent => filler(type, data);
/** Append in a write transaction, as the app does. */
const append = (db: Db, log: EventLog, n: number, at = T0): void => {
  db.transaction(() => log.append(Array.from({ length: n }, (_, i) => ev('test.tick', { i, door: log.door })), at)).immediate();
};
const seqs = (db: Db, door: string): number[] => db.prepare<[string], { seq: number }>('SELECT seq FROM events WHERE door = ? ORDER BY seq').all(door).map((r) => r.seq);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
const dropEventTriggers = (db: Db): void => {
  for (const t of db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'").all()) db.exec(`DROP TRIGGER "${t.name}"`);
};

describe('openDatabase and migrations', () => {
  it('a fresh database is migrated to the latest version, in WAL mode with the chosen durability', () => {
    const db = open(join(tmp(), 'sub', 'dir', 'pintu.db'));
    expect(userVersion(db)).toBe(LATEST);
    expect(tables(db)).toEqual(expect.arrayContaining(['meta', 'officers', 'badges', 'visits', 'incidents', 'events', 'door_status']));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    const full = openDatabase(join(tmp(), 'f.db'), { synchronous: 'full' });
    dbs.push(full);
    expect(full.pragma('synchronous', { simple: true })).toBe(2); // FULL
  });

  it('reopening is idempotent: nothing re-runs and data survives', () => {
    const path = join(tmp(), 'p.db');
    const db = open(path);
    db.prepare("INSERT INTO meta (key, value) VALUES ('site', 'Kanwil Malut')").run();
    db.close();
    const again = open(path);
    expect(userVersion(again)).toBe(LATEST);
    expect(migrate(again)).toBe(LATEST);
    expect(again.prepare("SELECT value FROM meta WHERE key = 'site'").pluck().get()).toBe('Kanwil Malut');
  });

  it('an older database is upgraded by the newer migrations only', () => {
    const path = join(tmp(), 'p.db');
    const old = open(path, MIGRATIONS.slice(0, 1));
    expect(userVersion(old)).toBe(1);
    old.prepare("INSERT INTO meta (key, value) VALUES ('k', 'v')").run();
    old.close();
    const db = open(path);
    expect(userVersion(db)).toBe(LATEST);
    expect(db.prepare("SELECT value FROM meta WHERE key = 'k'").pluck().get()).toBe('v');
  });

  it('a database from a newer pintu is refused with a clear error', () => {
    const path = join(tmp(), 'p.db');
    const db = open(path);
    db.pragma(`user_version = ${LATEST + 3}`);
    db.close();
    expect(() => open(path)).toThrow(new RegExp(`schema version ${LATEST + 3} is newer than this pintu \\(${LATEST}\\).*upgrade`));
  });

  it('a failing migration rolls back entirely and leaves user_version where it was', () => {
    const path = join(tmp(), 'p.db');
    const broken: Migration[] = [
      { version: 1, name: 'one', sql: 'CREATE TABLE a (x INTEGER);' },
      { version: 2, name: 'two', sql: 'CREATE TABLE b (x INTEGER); CREATE TABLE a (x INTEGER);' },
    ];
    expect(() => open(path, broken)).toThrow(/already exists/);
    const db = new Database(path);
    dbs.push(db);
    expect(userVersion(db)).toBe(1);
    expect(tables(db)).toContain('a');
    expect(tables(db)).not.toContain('b');
  });

  it('a read-only open of a missing file fails with the path in the message', () => {
    const path = join(tmp(), 'missing.db');
    expect(() => openDatabase(path, { synchronous: 'normal', readonly: true })).toThrow(/cannot open database .*missing\.db/);
  });
});

describe('EventLog', () => {
  it('append outside a transaction throws and writes nothing', () => {
    const db = open(join(tmp(), 'p.db'));
    const log = new EventLog(db, 'door-1', null);
    expect(() => log.append([ev('x')], T0)).toThrow(/inside a transaction/);
    expect(log.lastSeq()).toBe(0);
  });

  it('seq is gap-free from 1 per door; doors have separate sequences and chains', () => {
    const db = open(join(tmp(), 'p.db'));
    const a = new EventLog(db, 'door-a', null);
    const b = new EventLog(db, 'door-b', null);
    expect(a.lastSeq()).toBe(0);
    for (const [log, n] of [[a, 3], [b, 1], [a, 1], [b, 4], [a, 2], [a, 0]] as const) append(db, log, n);
    expect(seqs(db, 'door-a')).toEqual(range(6));
    expect(seqs(db, 'door-b')).toEqual(range(5));
    expect(a.lastSeq()).toBe(6);
    expect(a.since(0)[0]!.prevHash).toBe(GENESIS_HASH);
    expect(b.since(0)[0]!.prevHash).toBe(GENESIS_HASH);
    expect(a.since(4).map((e) => e.seq)).toEqual([5, 6]);
    expect(a.since(0, 2).map((e) => e.seq)).toEqual([1, 2]);
    expect(a.verify()).toBeNull();
    expect(b.verify()).toBeNull();
  });

  it('returns and stores events whose hashes chain: prevHash = previous hash, hash over all fields', () => {
    const db = open(join(tmp(), 'p.db'));
    const log = new EventLog(db, 'door-1', null);
    const data = { visit: 'V-20261123-001', officer: 'O2', n: 3, nested: { ok: true, list: [1, 'x'] } };
    const out = db.transaction(() => log.append([ev('visit.checked', data), ev('badge.issued', { badge: '04AA' })], T0 + 1)).immediate();
    expect(out.map((e) => [e.seq, e.type, e.at])).toEqual([[1, 'visit.checked', new Date(T0 + 1).toISOString()], [2, 'badge.issued', new Date(T0 + 1).toISOString()]]);
    const stored = log.since(0);
    expect(stored).toEqual(out);
    expect(stored[0]!.data).toEqual(data);
    expect(stored[1]!.prevHash).toBe(stored[0]!.hash);
    for (const e of stored) {
      expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(eventHash(e.prevHash, e.door, e.seq, e.type, e.at, JSON.stringify(e.data))).toBe(e.hash);
    }
    // Any field changes the hash.
    const e = stored[0]!;
    const h = (o: Partial<{ door: string; seq: number; type: string; at: string; json: string }>): string =>
      eventHash(e.prevHash, o.door ?? e.door, o.seq ?? e.seq, o.type ?? e.type, o.at ?? e.at, o.json ?? JSON.stringify(e.data));
    for (const o of [{ door: 'door-2' }, { seq: 2 }, { type: 'visit.approved' }, { at: new Date(T0).toISOString() }, { json: '{}' }]) expect(h(o)).not.toBe(e.hash);
  });

  it('a clock hook can add fields, put events first and adjust the time, and the chain covers what was stored', () => {
    const db = open(join(tmp(), 'p.db'));
    const log = new EventLog(db, 'door-1', { stamp: (at) => ({ at: at + 5, marks: { clock: 'suspect' }, before: [ev('alarm.test', {})] }) });
    append(db, log, 2, T0);
    expect(log.since(0).map((e) => [e.type, e.data.clock, e.at])).toEqual([
      ['alarm.test', 'suspect', new Date(T0 + 5).toISOString()],
      ['test.tick', 'suspect', new Date(T0 + 5).toISOString()],
      ['test.tick', 'suspect', new Date(T0 + 5).toISOString()],
    ]);
    expect(log.verify()).toBeNull();
  });

  it('time never goes backwards in the log: an append with an earlier time is written at the newest event\'s time', () => {
    const db = open(join(tmp(), 'p.db'));
    const log = new EventLog(db, 'door-1', null);
    append(db, log, 1, T0 + 60_000);
    append(db, log, 1, T0); // a clock a minute behind (or a writer that read the clock before waiting for the lock)
    append(db, log, 1, T0 + 120_000);
    expect(log.since(0).map((e) => e.at)).toEqual([T0 + 60_000, T0 + 60_000, T0 + 120_000].map((t) => new Date(t).toISOString()));
    expect(log.newest()).toMatchObject({ seq: 3, at: T0 + 120_000, raw: null });
    expect(log.verify()).toBeNull();
  });
});

describe('tamper evidence', () => {
  const setup = (): { db: Db; log: EventLog } => {
    const db = open(join(tmp(), 'p.db'));
    const log = new EventLog(db, 'door-1', null);
    append(db, log, 5);
    expect(log.verify()).toBeNull();
    return { db, log };
  };

  it('UPDATE on events is refused by the trigger', () => {
    const { db, log } = setup();
    expect(() => db.prepare("UPDATE events SET data = '{}' WHERE seq = 2").run()).toThrow(/append-only/);
    expect(log.verify()).toBeNull();
  });

  it('a row whose data, type or time was changed (trigger dropped) is found', () => {
    for (const [col, value] of [['data', '{"i":99}'], ['type', 'visit.approved'], ['at', new Date(T0 + 1).toISOString()]]) {
      const { db, log } = setup();
      dropEventTriggers(db);
      db.prepare(`UPDATE events SET ${col} = ? WHERE seq = 3`).run(value);
      expect(log.verify()).toBe('hash mismatch at seq 3');
      expect(log.verify(3)).toBeNull(); // checking from seq 4 on no longer sees it
    }
  });

  it('a row re-hashed over a forged previous hash breaks the chain', () => {
    const { db, log } = setup();
    dropEventTriggers(db);
    const e = log.since(2, 1)[0]!;
    const prev = 'f'.repeat(64);
    db.prepare('UPDATE events SET prev_hash = ?, hash = ? WHERE seq = 3').run(prev, eventHash(prev, e.door, e.seq, e.type, e.at, JSON.stringify(e.data)));
    expect(log.verify()).toBe('chain broken at seq 3');
  });

  it('a forged row appended with a made-up hash is found', () => {
    const { db, log } = setup();
    const last = log.since(4)[0]!;
    db.prepare('INSERT INTO events (door, seq, type, at, data, prev_hash, hash) VALUES (?, 6, ?, ?, ?, ?, ?)')
      .run('door-1', 'access.granted', last.at, '{"visit":"V-X"}', last.hash, 'a'.repeat(64));
    expect(log.verify()).toBe('hash mismatch at seq 6');
  });

  it('a deleted row shows as a gap', () => {
    const { db, log } = setup();
    dropEventTriggers(db);
    db.prepare('DELETE FROM events WHERE seq = 2').run();
    expect(log.verify()).toBe('gap: expected seq 2, found 3');
  });
});

describe('atomicity with the store', () => {
  it('a transaction that throws after appending leaves no event and no state change; seq continues without a gap', () => {
    const db = open(join(tmp(), 'p.db'));
    const store = new Store(db, 'door-1', null);
    const { visit, event } = newVisit({
      id: 'V-20261123-001', kind: 'visit', visitor: { name: 'Siti', nik: '3273015508900001', org: 'PT X', phone: null }, purpose: 'p',
      plannedMinutes: 30, devicesIn: [], letterRef: null, ktpHash: null, disposition: null,
    }, T0, 'O1');
    expect(() => store.tx(() => {
      store.saveVisit(visit);
      store.setMeta('last', 'x');
      store.events.append([event], T0);
      throw new Error('crash after append');
    })).toThrow('crash after append');
    expect(store.visit(visit.id)).toBeNull();
    expect(store.meta('last')).toBeNull();
    expect(store.events.lastSeq()).toBe(0);
    // A constraint failure inside the transaction rolls back too.
    store.tx(() => { store.addBadge('04AA', 'TAMU-01', T0); });
    expect(() => store.tx(() => { store.events.append([event], T0); store.addBadge('04AA', 'TAMU-99', T0); })).toThrow(/UNIQUE/);
    expect(store.events.lastSeq()).toBe(0);
    store.tx(() => { store.saveVisit(visit); store.events.append([event], T0); });
    expect(seqs(db, 'door-1')).toEqual([1]);
    expect(store.events.verify()).toBeNull();
  });
});

/** Transpile the SQLite adapter to plain ESM in `dir` so a child `node` can run the real EventLog. */
function buildAdapter(dir: string): void {
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  for (const f of ['adapters/sqlite/db', 'adapters/sqlite/migrations', 'adapters/sqlite/event-log', 'protocol/chain']) {
    const src = readFileSync(join(ROOT, 'src', `${f}.ts`), 'utf8');
    const out = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } });
    mkdirSync(dirname(join(dir, 'lib', `${f}.js`)), { recursive: true });
    writeFileSync(join(dir, 'lib', `${f}.js`), out.outputText);
  }
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(join(dir, 'worker.mjs'), `
import { existsSync, writeFileSync } from 'node:fs';
import { openDatabase } from './lib/adapters/sqlite/db.js';
import { EventLog } from './lib/adapters/sqlite/event-log.js';
const [path, name, n, dir] = process.argv.slice(2);
const db = openDatabase(path, { synchronous: 'normal', busyTimeoutMs: 20000 });
const log = new EventLog(db, 'door-1', null);
writeFileSync(dir + '/ready-' + name, '');
while (!existsSync(dir + '/go')) await new Promise((r) => setTimeout(r, 2));
for (let i = 0; i < Number(n); i++) {
  db.transaction(() => log.append(Array.from({ length: 1 + (i % 3) }, (_, k) => ({ type: 'test.tick', data: { worker: name, i, k } })), Date.now())).immediate();
  await new Promise((r) => setTimeout(r, 1)); // let the other process in, as the daemon and the CLI would
}
db.close();
`);
}

function run(dir: string, args: string[]): Promise<void> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [join(dir, 'worker.mjs'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('error', rej);
    p.on('exit', (code) => (code === 0 ? res() : rej(new Error(`worker ${args[1]} exited ${code}: ${err}`))));
  });
}

describe('two processes appending concurrently', () => {
  it('end with seq 1..N, no gaps or duplicates, each worker in its own order, and a valid chain', async () => {
    const dir = tmp();
    buildAdapter(dir);
    const path = join(dir, 'pintu.db');
    const db = open(path); // migrate once up front
    const N = 150;
    const done = Promise.all([run(dir, [path, 'A', String(N), dir]), run(dir, [path, 'B', String(N), dir])]);
    const started = Date.now();
    while (!(existsSync(join(dir, 'ready-A')) && existsSync(join(dir, 'ready-B'))) && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 5));
    writeFileSync(join(dir, 'go'), '');
    await done;
    const perWorker = Array.from({ length: N }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b, 0);
    const log = new EventLog(db, 'door-1', null);
    const rows = log.since(0, 10_000);
    expect(rows.map((e) => e.seq)).toEqual(range(2 * perWorker));
    for (const w of ['A', 'B']) {
      const mine = rows.filter((e) => e.data.worker === w).map((e) => [e.data.i, e.data.k]);
      expect(mine).toHaveLength(perWorker);
      expect(mine).toEqual([...mine].sort((x, y) => (x[0] as number) - (y[0] as number) || (x[1] as number) - (y[1] as number)));
    }
    expect(log.verify()).toBeNull();
    // The two writers really did interleave (otherwise this proves nothing about concurrency).
    expect(rows.filter((e, i) => i > 0 && e.data.worker !== rows[i - 1]!.data.worker).length).toBeGreaterThan(2);
    // The parent's log sees what the children wrote and continues the sequence.
    append(db, log, 1);
    expect(log.lastSeq()).toBe(2 * perWorker + 1);
    expect(log.verify()).toBeNull();
  });
});

/**
 * Issue 14 item 5 at the centre's store: each door's X25519 sealing key, learnt from its signed status, is kept per
 * door on SQLite and PostgreSQL (migration 9), kept when a status leaves it out, and forgotten when the door is
 * re-keyed (a new Ed25519 key is a new door: its old sealing key may belong to a lost SD card).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { SqliteCentralStore } from '../../src/central/sqlite-store.js';
import { PgCentralStore } from '../../src/central/pg-store.js';
import type { CentralStore } from '../../src/central/store.js';
import { publicKeyToText } from '../../src/protocol/signing.js';
import { sealKeyToText } from '../../src/protocol/sealing.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

let postgres: TestPostgres;
const dir = mkdtempSync(join(tmpdir(), 'pintu-sealkey-'));
beforeAll(async () => { postgres = await startPostgres(); }, 120_000);
afterAll(async () => { await postgres?.cleanup(); rmSync(dir, { recursive: true, force: true }); });

const ed = (): string => publicKeyToText(generateKeyPairSync('ed25519').publicKey);
const x = (): string => sealKeyToText(generateKeyPairSync('x25519').publicKey);

describe.each([
  ['SQLite', async (): Promise<CentralStore> => new SqliteCentralStore(join(dir, `c-${Math.random().toString(16).slice(2)}.db`))],
  ['PostgreSQL', async (): Promise<CentralStore> => PgCentralStore.open(await postgres.database())],
])('the centre keeps each door\'s sealing key (%s)', (_name, open) => {
  it('stores it from a status, keeps it when a status leaves it out, and forgets it when the door is re-keyed', async () => {
    const store = await open();
    try {
      const key = ed();
      await store.enroll('s', 'd1', key, 1);
      await store.enroll('s', 'd2', ed(), 1);
      expect((await store.door('s', 'd1'))!.sealKey).toBeNull();
      const seal = x();
      await store.setStatus('s', 'd1', 'online', 2, 0, { sealKey: seal });
      expect((await store.door('s', 'd1'))!.sealKey).toBe(seal);
      expect((await store.door('s', 'd2'))!.sealKey).toBeNull();
      await store.setStatus('s', 'd1', 'offline', 3, null, {});
      expect((await store.door('s', 'd1'))!.sealKey).toBe(seal);
      // Enrolled again with the same key (a repeated enrol): kept. With a new key: forgotten until its next status.
      await store.enroll('s', 'd1', key, 4);
      expect((await store.door('s', 'd1'))!.sealKey).toBe(seal);
      await store.enroll('s', 'd1', ed(), 5);
      expect((await store.door('s', 'd1'))!.sealKey).toBeNull();
    } finally {
      await store.close();
    }
  }, 60_000);
});

/**
 * Fill a pintu database with history for the benchmark: N past visits (checked out and archived) and M events,
 * written straight through the store's schema so the daemon starts against a realistic, large database.
 */
import { join } from 'node:path';
import { openDatabase } from '../src/adapters/sqlite/db.js';
import { eventHash, GENESIS_HASH } from '../src/protocol/chain.js';
import type { Visit } from '../src/domain/types.js';

/** Seed `dataDir/pintu.db` for `door` with `visits` visits (the last `inside` of them issued and inside now) and `events` events. */
export function seed(dataDir: string, door: string, visits: number, events: number, inside = 0): void {
  const db = openDatabase(join(dataDir, 'pintu.db'), { synchronous: 'normal' });
  const day0 = Date.now() - 400 * 86_400_000;
  const insVisit = db.prepare('INSERT INTO visits (id, kind, state, presence, badge_uid, ktp_hash, requested_at, data) VALUES (?, ?, ?, ?, NULL, NULL, ?, ?)');
  const insEvent = db.prepare('INSERT INTO events (door, seq, type, at, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < visits; i++) {
      const at = day0 + Math.floor((i * 350 * 86_400_000) / Math.max(1, visits)); // past visits end 50 days ago
      const d = new Date(at).toISOString().slice(0, 10).replace(/-/g, '');
      const id = `V-${d}-${String(i % 1000).padStart(3, '0')}x${i}`;
      const now = i >= visits - inside;
      const v: Visit = {
        id, kind: 'visit', state: now ? 'issued' : 'archived', presence: now ? 'inside' : 'outside',
        visitor: { name: `Visitor ${i}`, nik: '3201011205900001', org: 'PT Bench', phone: null },
        purpose: 'maintenance', plannedMinutes: 30, devicesIn: [{ description: 'Laptop', serial: `SN${i}` }], devicesOut: now ? [] : [{ description: 'Laptop', serial: `SN${i}` }],
        letterRef: null, ktpHash: null, ktpHeld: false, badgeUid: null, validFrom: at, validUntil: now ? Date.now() + 12 * 3_600_000 : at + 3_600_000,
        at: now ? { requested: at, checked: at + 60_000, decided: at + 120_000, issued: at + 180_000 }
          : { requested: at, checked: at + 60_000, decided: at + 120_000, issued: at + 180_000, checkedOut: at + 1_800_000, archived: at + 2_000_000 },
        by: {}, denyReason: null, revokeReason: null, disposition: null,
      };
      insVisit.run(id, 'visit', v.state, v.presence, at, JSON.stringify(v));
    }
  })();
  let prev = GENESIS_HASH;
  const batch = 50_000;
  for (let start = 1; start <= events; start += batch) {
    db.transaction(() => {
      for (let seq = start; seq < Math.min(start + batch, events + 1); seq++) {
        const at = new Date(day0 + Math.floor((seq * 399 * 86_400_000) / Math.max(1, events))).toISOString();
        const data = JSON.stringify({ reader: 'in', direction: 'in', badge: '0A00000001', officer: 'O1', holder: 'officer' });
        const hash = eventHash(prev, door, seq, 'access.granted', at, data);
        insEvent.run(door, seq, 'access.granted', at, data, prev, hash);
        prev = hash;
      }
    })();
  }
  db.close();
}

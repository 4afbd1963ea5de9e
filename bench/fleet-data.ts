/**
 * A fleet's history generated inside PostgreSQL for `bench/central-fleet.ts`: `doors` enrolled doors (five to a site)
 * with `perDoor` events each, written by one INSERT … SELECT per group of doors from a recursive CTE that advances every
 * door of the group one seq at a time and chains each event with the door's own rule (protocol/chain.ts: SHA-256 hex of
 * `prevHash\ndoor\nseq\ntype\nat\ndata`, computed by PostgreSQL's sha256()), so every stored chain verifies and each
 * door's head (last_seq, last_hash) is what a live door continues from.
 *
 * A door's day is 100 events between 07:00 and 17:00 WIB (00:00–10:00 UTC), the last day yesterday: the health
 * checklist run, an officer signing in, the nightly backup, two visits with every SOP step timed against its standard
 * (request, check, decide — 5 % denied —, badge issued, visitor in with an escort, maintenance checklist on one day in
 * seven, visitor out, checkout with the time inside, badge returned — 2 % device mismatch —, report, archive), and
 * officers' traffic (grant → door opened → closed; denied taps by reason; rare door.forced, door.held, reader down,
 * overstay, unescorted visitor, clock rollback, incident). Alerts are what the receiver would have raised for every
 * stored alarm (same kind and detail text), plus link faults (offline, gap) up to the wanted total, 80 % acknowledged
 * when the schema has the acknowledgement columns.
 */
import { generateKeyPairSync } from 'node:crypto';
import type pg from 'pg';
import { GENESIS_HASH } from '../src/protocol/chain.js';
import { publicKeyToText } from '../src/protocol/signing.js';

/** Events in one door's day (the pattern below). */
export const EVENTS_PER_DAY = 100;

/** Site and door ids of door number `i` (1-based): five doors to a site. */
export function doorId(i: number): { site: string; door: string } {
  return { site: `kantor-${String(Math.ceil(i / 5)).padStart(3, '0')}`, door: `srv-${String(i).padStart(4, '0')}` };
}

const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;
/** JSON text of a SQL text expression (ids and fixed words only: no quotes or backslashes to escape). */
const str = (expr: string): string => `'"' || ${expr} || '"'`;
/** `,"step":n,"sopStep":"…","durationSeconds":…,"standardSeconds":…,"overStandard":…` of a timed transition. */
const timing = (step: number, sopStep: string, standard: number): string =>
  `',"step":${step},"sopStep":"${sopStep}","durationSeconds":' || dur || ',"standardSeconds":${standard},"overStandard":' || (dur > ${standard})::text`;
const vs = `'{"visit":' || ${str('vid')} || ',"officer":' || ${str("'O' || (1 + r2 % 4)")}`;

const DENY = ['unknown-badge', 'unknown-badge', 'unknown-badge', 'expired', 'not-approved', 'escort-missing', 'passback', 'returned', 'not-yet-valid', 'revoked', 'lost', 'door-disabled'];
const ORGS = ['PT Telkom Indonesia', 'Dinas Kominfo', 'PT Lintasarta', 'BPS Kabupaten', 'Vendor UPS', 'PT PLN (Persero)', 'BSSN', 'Inspektorat'];

/** The event type at slot k of a door's day (SQL; needs k, r, vdenied, maint from the layers below). */
const TYPE = `CASE
  WHEN k = 0 THEN 'health.report'
  WHEN k = 1 THEN CASE WHEN r < 20 THEN 'alarm.health' ELSE 'officer.signed_in' END
  WHEN k = 2 THEN 'backup.made'
  WHEN vk = 0 THEN 'visit.requested'
  WHEN vk = 1 THEN 'visit.checked'
  WHEN vk = 2 THEN CASE WHEN vdenied THEN 'visit.denied' ELSE 'visit.approved' END
  WHEN vk BETWEEN 3 AND 10 AND NOT vdenied THEN (ARRAY['badge.issued', 'access.granted', 'door.opened', 'door.closed',
    CASE WHEN maint THEN 'visit.checklist_recorded' ELSE 'door.rex' END, 'access.granted', 'visit.checked_out',
    CASE WHEN r < 20 THEN 'visit.device_mismatch' ELSE 'badge.returned' END])[vk - 2]
  WHEN vk = 20 AND NOT vdenied THEN 'visit.reported'
  WHEN vk = 21 THEN 'visit.archived'
  WHEN k = 98 THEN 'officer.signed_out'
  WHEN k % 3 = 0 THEN CASE WHEN r < 60 THEN 'access.denied' WHEN r < 62 THEN 'door.forced' WHEN r < 66 THEN 'door.held'
    WHEN r < 67 THEN 'alarm.reader_down' WHEN r < 68 THEN 'alarm.visit_overstay' WHEN r < 69 THEN 'alarm.visitor_unescorted'
    WHEN r = 69 AND r2 < 100 THEN 'alarm.clock_rollback' WHEN r < 72 THEN 'incident.recorded' ELSE 'access.granted' END
  WHEN k % 3 = 1 THEN CASE WHEN r < 30 THEN 'door.rex' ELSE 'door.opened' END
  ELSE 'door.closed' END`;

/** The data text of each type (SQL; JSON as the door's JSON.stringify writes it, keys in the catalogue's order). */
const DATA = `CASE type
  WHEN 'health.report' THEN '{"trigger":"schedule","status":"' || CASE WHEN r < 20 THEN 'fail' WHEN r < 120 THEN 'warn' ELSE 'ok' END
    || '","counts":{"ok":' || CASE WHEN r < 120 THEN 3 ELSE 4 END || ',"warn":' || CASE WHEN r >= 20 AND r < 120 THEN 1 ELSE 0 END || ',"fail":' || CASE WHEN r < 20 THEN 1 ELSE 0 END
    || '},"items":[{"item":"disk","status":"' || CASE WHEN r < 20 THEN 'fail' ELSE 'ok' END || '","value":' || (40 + r % 60) || ',"detail":"' || (40 + r % 60) || '% used"},'
    || '{"item":"temperature","status":"' || CASE WHEN r >= 20 AND r < 120 THEN 'warn' ELSE 'ok' END || '","value":' || (45 + r2 % 30) || ',"detail":"CPU ' || (45 + r2 % 30) || ' C"},'
    || '{"item":"readers","status":"ok","value":3,"detail":"3 of 3 up"},{"item":"clock","status":"ok","value":true,"detail":"NTP synchronised"}]}'
  WHEN 'alarm.health' THEN '{"item":"disk","value":' || (95 + r2 % 5) || ',"detail":"' || (95 + r2 % 5) || '% used"}'
  WHEN 'officer.signed_in' THEN '{"officer":"O' || (1 + r2 % 4) || '"}'
  WHEN 'officer.signed_out' THEN '{"officer":"O' || (1 + r2 % 4) || '","how":"' || CASE WHEN r < 300 THEN 'timeout' ELSE 'out' END || '"}'
  WHEN 'backup.made' THEN '{"file":"pintu-' || to_char(ts, 'YYYYMMDD') || '.db","bytes":' || (52000000 + day * 9000 + r) || ',"ms":' || (800 + r2) || ',"removed":1,"trigger":"nightly"}'
  WHEN 'visit.requested' THEN '{"visit":' || ${str('vid')} || ',"kind":"' || CASE WHEN maint THEN 'maintenance' ELSE 'visit' END || '","step":1,"officer":"O1","org":"'
    || (ARRAY[${ORGS.map(q).join(', ')}])[1 + vr % ${ORGS.length}] || '","purpose":"' || CASE WHEN maint THEN 'Pemeliharaan UPS dan AC presisi' ELSE 'Pemeliharaan server' END
    || '","plannedMinutes":' || (30 + 30 * (vr % 4)) || ',"devicesIn":[{"description":"Laptop","serial":"SN' || (100000 + vr * 37 + d) || '"}],"letterRef":"ND/' || (vr + 1) || '/' || to_char(ts, 'YYYY')
    || '","ktpRead":true' || ${timing(1, 'request', 300)} || '}'
  WHEN 'visit.checked' THEN ${vs} || ${timing(2, 'check', 300)} || '}'
  WHEN 'visit.approved' THEN ${vs} || ',"validFrom":"' || to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '","validUntil":"' || to_char(ts + interval '4 hours', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"' || ${timing(3, 'decide', 300)} || '}'
  WHEN 'visit.denied' THEN ${vs} || ',"reason":"Surat tugas tidak lengkap"' || ${timing(3, 'decide', 300)} || '}'
  WHEN 'badge.issued' THEN ${vs} || ',"badge":' || ${str('vbadge')} || ',"label":"TAMU-0' || (1 + vr % 8) || '","ktpHeld":true,"reissue":false' || ${timing(3, 'issue', 300)} || '}'
  WHEN 'visit.checklist_recorded' THEN ${vs} || ',"items":[{"item":"UPS","status":"ok","note":"baterai 98%"},{"item":"AC presisi","status":"' || CASE WHEN r < 300 THEN 'degraded' ELSE 'ok' END
    || '","note":"' || (20 + r % 8) || ' C"},{"item":"APAR","status":"ok","note":null}],"ok":' || CASE WHEN r < 300 THEN 2 ELSE 3 END || ',"degraded":' || CASE WHEN r < 300 THEN 1 ELSE 0 END || ',"failed":0}'
  WHEN 'visit.checked_out' THEN ${vs} || ',"badge":' || ${str('vbadge')} || ',"ktpReturned":' || (r >= 20)::text || ',"wasInside":false,"devicesOut":' || CASE WHEN r < 20 THEN 0 ELSE 1 END
    || ${timing(5, 'checkout', 300)} || ',"insideSeconds":' || (300 + vr * 3 % 1500) || ',"insideStandardSeconds":900,"insideOverStandard":' || ((300 + vr * 3 % 1500) > 900)::text || '}'
  WHEN 'badge.returned' THEN ${vs} || ',"badge":' || ${str('vbadge')} || '}'
  WHEN 'visit.device_mismatch' THEN ${vs} || ',"notCarriedOut":[{"description":"Laptop","serial":"SN' || (100000 + vr * 37 + d) || '"}],"notBroughtIn":[]}'
  WHEN 'visit.reported' THEN ${vs} || ${timing(6, 'report', 600)} || '}'
  WHEN 'visit.archived' THEN ${vs} || ${timing(7, 'archive', 660)} || '}'
  WHEN 'access.granted' THEN CASE WHEN vk IN (4, 8) THEN '{"reader":"' || CASE WHEN vk = 4 THEN 'in' ELSE 'out' END || '","direction":"' || CASE WHEN vk = 4 THEN 'in' ELSE 'out' END
      || '","badge":' || ${str('vbadge')} || ',"holder":"visitor","visit":' || ${str('vid')} || ',"escort":' || CASE WHEN vk = 4 THEN '"O' || (1 + r2 % 4) || '"' ELSE 'null' END || '}'
    ELSE '{"reader":"' || dir || '","direction":"' || dir || '","badge":' || ${str('obadge')} || ',"holder":"officer","officer":"O' || (1 + r2 % 4) || '"}' END
  WHEN 'access.denied' THEN '{"reader":"' || dir || '","direction":"' || dir || '","reason":"' || (ARRAY[${DENY.map(q).join(', ')}])[1 + r2 % ${DENY.length}] || '",'
    || CASE WHEN r2 % ${DENY.length} < 3 THEN '"cardHash":"' || md5(d || '/' || r2) || '"}' ELSE '"badge":' || ${str('obadge')} || '}' END
  WHEN 'door.opened' THEN '{"via":"grant","refs":[{"reader":"' || dir || '","badge":' || CASE WHEN vk = 5 THEN ${str('vbadge')} || ',"visit":' || ${str('vid')} ELSE ${str('obadge')} || ',"officer":"O' || (1 + r2 % 4) || '"' END
    || ',"direction":"' || dir || '","at":"' || to_char(ts - interval '2 seconds', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"}]}'
  WHEN 'door.closed' THEN '{"openSeconds":' || (3 + r % 9) || ',"via":"grant"}'
  WHEN 'door.rex' THEN '{}'
  WHEN 'door.forced' THEN '{}'
  WHEN 'door.held' THEN '{"openSeconds":' || (60 + r2 % 600) || '}'
  WHEN 'alarm.reader_down' THEN '{"reader":"out","direction":"out","error":"no answer from the reader for 5 s"}'
  WHEN 'alarm.visit_overstay' THEN '{"visit":"V-' || to_char(ts, 'YYYYMMDD') || '-001","badge":' || ${str('vbadge')} || ',"validUntil":"' || to_char(ts - interval '5 minutes', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"}'
  WHEN 'alarm.visitor_unescorted' THEN '{"officer":"O' || (1 + r2 % 4) || '","visits":["V-' || to_char(ts, 'YYYYMMDD') || '-002"]}'
  WHEN 'alarm.clock_rollback' THEN '{"behindMs":' || (60000 + r2 * 1000) || ',"newestAt":"' || to_char(ts + interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"}'
  WHEN 'incident.recorded' THEN '{"incident":' || (day + 1) || ',"officer":"O1","visit":null}'
  END`;

/**
 * The INSERT that writes `perDoor` chained events for the doors numbered lo..hi (rows of bench_fleet_doors), day 0 at
 * `firstDay` (UTC midnight, ISO date).
 */
export function eventsInsert(lo: number, hi: number, perDoor: number, firstDay: string): string {
  return `
WITH RECURSIVE c(d, site, door, seq, type, at, data, prev_hash, hash, received_at) AS (
  SELECT d, site, door, 0, ''::text, ''::text, ''::text, ''::text, '${GENESIS_HASH}'::text, 0::bigint FROM bench_fleet_doors WHERE d BETWEEN ${lo} AND ${hi}
  UNION ALL
  SELECT c.d, c.site, c.door, c.seq + 1, e.type, e.at, e.data, c.hash,
    encode(sha256(convert_to(c.hash || E'\\n' || c.door || E'\\n' || (c.seq + 1) || E'\\n' || e.type || E'\\n' || e.at || E'\\n' || e.data, 'UTF8')), 'hex'),
    e.received_at
  FROM c CROSS JOIN LATERAL (
    SELECT type, to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, ${DATA} AS data, (extract(epoch FROM ts) * 1000)::bigint + 150 + r AS received_at
    FROM (SELECT *, ${TYPE} AS type FROM (
      SELECT *, CASE WHEN k % 2 = 0 THEN 'in' ELSE 'out' END AS dir, (vr % 20 = 0) AS vdenied, (vno = 1 AND (day + d) % 7 = 0) AS maint,
        'V-' || to_char(ts, 'YYYYMMDD') || '-00' || vno AS vid, upper(lpad(to_hex(3758096384 + d * 16 + vno * 4 + day % 4), 8, '0')) AS vbadge,
        upper(lpad(to_hex(67108864 + d * 8 + r2 % 4), 8, '0')) AS obadge, 30 + (r2 * 7 + vr) % 330 AS dur
      FROM (
        SELECT k, day, r, r2, vk, vno, ((c.d * 7919 + day * 104729 + vno * 31) % 1000) AS vr, c.d AS d,
          (${q(firstDay)}::timestamp + day * interval '1 day' + k * interval '6 minutes' + (r % 300) * interval '1 second' + ((c.seq + 1) % 1000) * interval '1 millisecond') AS ts
        FROM (SELECT (c.seq) % ${EVENTS_PER_DAY} AS k, (c.seq) / ${EVENTS_PER_DAY} AS day,
          ((c.seq + 1)::bigint * 2654435761 + c.d::bigint * 40503) % 1000003 % 1000 AS r,
          ((c.seq + 1)::bigint * 40503 + c.d::bigint * 2654435761) % 999983 % 1000 AS r2,
          CASE WHEN c.seq % ${EVENTS_PER_DAY} BETWEEN 10 AND 20 THEN c.seq % ${EVENTS_PER_DAY} - 10 WHEN c.seq % ${EVENTS_PER_DAY} BETWEEN 50 AND 60 THEN c.seq % ${EVENTS_PER_DAY} - 50
            WHEN c.seq % ${EVENTS_PER_DAY} IN (80, 82) THEN 20 WHEN c.seq % ${EVENTS_PER_DAY} IN (81, 83) THEN 21 ELSE -1 END AS vk,
          CASE WHEN c.seq % ${EVENTS_PER_DAY} < 50 OR c.seq % ${EVENTS_PER_DAY} IN (80, 81) THEN 1 ELSE 2 END AS vno) a
      ) b
    ) t) u) e
  WHERE c.seq < ${perDoor}
)
INSERT INTO events (site, door, seq, type, at, data, prev_hash, hash, received_at)
SELECT site, door, seq, type, at, data, prev_hash, hash, received_at FROM c WHERE seq > 0`;
}

/** Enrol `doors` doors (real Ed25519 keys), in bench_fleet_doors (number → ids) and in `doors`. */
export async function enrolFleet(c: pg.ClientBase, doors: number, enrolledAt: number): Promise<void> {
  const ids = Array.from({ length: doors }, (_, i) => doorId(i + 1));
  const keys = ids.map(() => publicKeyToText(generateKeyPairSync('ed25519').publicKey));
  await c.query('DROP TABLE IF EXISTS bench_fleet_doors');
  await c.query('CREATE TABLE bench_fleet_doors (d INT PRIMARY KEY, site TEXT NOT NULL, door TEXT NOT NULL)');
  await c.query('INSERT INTO bench_fleet_doors SELECT * FROM unnest($1::int[], $2::text[], $3::text[])', [ids.map((_, i) => i + 1), ids.map((x) => x.site), ids.map((x) => x.door)]);
  await c.query(`INSERT INTO doors (site, door, public_key, enrolled_at) SELECT f.site, f.door, k.key, $2 FROM bench_fleet_doors f JOIN unnest($1::text[]) WITH ORDINALITY k(key, n) ON k.n = f.d`, [keys, enrolledAt]);
}

/** Set each door's head from its newest stored event (seq `perDoor`), and its state as a healthy fleet shows it (a few offline). */
export async function setHeads(c: pg.ClientBase, perDoor: number, now: number): Promise<void> {
  await c.query(`UPDATE doors d SET last_seq = e.seq, last_hash = e.hash, last_seen_at = $1::bigint - (f.d % 50) * 1000,
      state = CASE WHEN f.d % 97 = 0 THEN 'offline' ELSE 'online' END, status_at = $1::bigint - (f.d % 50) * 1000, reported_last_seq = e.seq
    FROM bench_fleet_doors f JOIN events e ON e.site = f.site AND e.door = f.door AND e.seq = $2
    WHERE f.site = d.site AND f.door = d.door`, [now, perDoor]);
  // What each door says of itself in its status (issue 13), where the schema has it: most doors well, a few not.
  const cols = new Set((await c.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'doors'")).rows.map((r) => r.column_name));
  if (cols.has('app_version') && cols.has('health_failing')) {
    await c.query(`UPDATE doors d SET app_version = CASE WHEN f.d % 10 = 0 THEN '0.12.3' ELSE '0.13.0' END, os = 'Raspberry Pi OS 12 (bookworm), kernel 6.6.51',
        clock_state = CASE WHEN f.d % 61 = 0 THEN 'unsynced' ELSE 'trusted' END,
        readers = '[{"id":"in","role":"in","up":true},{"id":"out","role":"out","up":' || CASE WHEN f.d % 43 = 0 THEN 'false' ELSE 'true' END || '},{"id":"desk","role":"desk","up":true}]',
        health_state = CASE WHEN f.d % 29 = 0 THEN 'failed' WHEN f.d % 7 = 0 THEN 'degraded' ELSE 'ok' END,
        health_failing = CASE WHEN f.d % 29 = 0 THEN '["disk"]' WHEN f.d % 7 = 0 THEN '["temperature"]' ELSE '[]' END
      FROM bench_fleet_doors f WHERE f.site = d.site AND f.door = d.door`);
  }
}

/**
 * Alerts as the receiver raises them: one per stored alarm (kind = event type, detail as `alertOf` writes it), then link
 * faults (offline, gap) until `total`; 80 % acknowledged when `alerts` has the acknowledgement columns.
 */
export async function fillAlerts(c: pg.ClientBase, total: number): Promise<{ alarms: number; faults: number; acknowledged: number }> {
  const alarms = await c.query(`INSERT INTO alerts (at, site, door, kind, detail)
    SELECT received_at, site, door, type, 'seq ' || seq || ' at ' || at || ': ' || CASE WHEN length(data) > 300 THEN left(data, 299) || '…' ELSE data END
    FROM events WHERE type LIKE 'alarm.%' OR type IN ('door.forced', 'door.held', 'visit.device_mismatch') ORDER BY received_at`);
  const n = alarms.rowCount ?? 0;
  const faults = Math.max(0, total - n);
  if (faults > 0) {
    await c.query(`INSERT INTO alerts (at, site, door, kind, detail)
      SELECT (SELECT min(received_at) FROM events) + g * ((SELECT max(received_at) - min(received_at) FROM events) / $1::bigint), f.site, f.door,
        CASE WHEN g % 5 = 0 THEN 'gap' ELSE 'offline' END,
        CASE WHEN g % 5 = 0 THEN 'expected seq ' || (g % 9000 + 2) || ', got ' || (g % 9000 + 5) ELSE 'door silent for more than 120 s (last seen ' || to_char(to_timestamp(((SELECT min(received_at) FROM events) + g * ((SELECT max(received_at) - min(received_at) FROM events) / $1::bigint)) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || ')' END
      FROM generate_series(1, $1::int) g JOIN bench_fleet_doors f ON f.d = 1 + (g * 7919) % (SELECT count(*) FROM bench_fleet_doors)`, [faults]);
  }
  let acknowledged = 0;
  const cols = new Set((await c.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'alerts'")).rows.map((r) => r.column_name));
  const ackAt = ['acked_at', 'acknowledged_at'].find((x) => cols.has(x));
  const ackBy = ['acked_by', 'acknowledged_by'].find((x) => cols.has(x));
  const note = ['ack_note', 'note'].find((x) => cols.has(x));
  if (ackAt) {
    const sets = [`${ackAt} = at + 600000 + (id % 7) * 60000`, ...(ackBy ? [`${ackBy} = 'analis-' || (id % 5)`] : []), ...(note ? [`${note} = 'Sudah dicek petugas di lokasi'`] : [])];
    const r = await c.query(`UPDATE alerts SET ${sets.join(', ')} WHERE id % 5 <> 0 AND at < (SELECT max(at) FROM alerts) - 86400000`);
    acknowledged = r.rowCount ?? 0;
  }
  return { alarms: n, faults, acknowledged };
}

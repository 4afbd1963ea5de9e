/**
 * `pintu purge --report`: the destruction records (berita acara pemusnahan data pribadi) of the door, one per purge
 * run, from its `privacy.purged` events — what categories of personal data, how many records, the period the visits
 * were closed in, when, by which policy and run by what. In Indonesian, as the document is filed at the office. A run
 * erases in batches, each committed with its own event (the run's id and the batch's number in it): the report merges
 * the batches of one run into one record and says how many batches and which events they were.
 */
import type { StoredEvent } from '../ports/store.js';
import { formatTime } from '../domain/time.js';
import { isEvent } from '../domain/events.js';

/** One destruction record as `--json` prints it. */
export interface DestructionRecord {
  /** Seq of the `privacy.purged` event (its number in the door's log). */
  seq: number;
  /** When the purge ran (ISO). */
  at: string;
  /** Hash of the event (the chain vouches for the record). */
  hash: string;
  /** The event's data: count, policy, categories, states, period, who ran it (summed over the run's batches). */
  data: Record<string, unknown>;
  /** How many batches (events) the run committed. */
  batches: number;
  /** Seq of the run's last event (`seq` for a run of one batch). */
  lastSeq: number;
}

/** Words for the visit states, as the officers' console names them. */
const STATE_ID: Record<string, string> = {
  checked_out: 'sudah keluar', archived: 'diarsipkan', denied: 'ditolak', cancelled: 'dibatalkan', expired: 'kedaluwarsa', revoked: 'izin dicabut',
};

/** The destruction records among these events (oldest first), the batches of one run merged into one record. */
export function destructionRecords(events: StoredEvent[]): DestructionRecord[] {
  const runs = new Map<string, DestructionRecord>();
  for (const e of events) {
    if (!isEvent(e, 'privacy.purged')) continue;
    const d = e.data as Record<string, unknown>;
    // Records written before runs had ids (one per run then) stand alone.
    const key = typeof d.run === 'string' ? `${String(d.ranBy)}|${d.run}` : `seq ${e.seq}`;
    const r = runs.get(key);
    if (!r) { runs.set(key, { seq: e.seq, at: e.at, hash: e.hash, data: { ...d }, batches: 1, lastSeq: e.seq }); continue; }
    r.batches += 1;
    r.lastSeq = e.seq;
    r.hash = e.hash;
    r.data = merged(r.data, d);
  }
  return [...runs.values()].map(({ data: { batch: _batch, ...data }, ...r }) => ({ ...r, data }));
}

/** The newest `limit` runs' records, read through `newestEvents(n)` (the newest n `privacy.purged` events, oldest first). */
export function newestDestructionRecords(newestEvents: (n: number) => StoredEvent[], limit: number): DestructionRecord[] {
  for (let n = limit; ; n *= 2) {
    const events = newestEvents(n);
    const records = destructionRecords(events);
    // All read, or more runs than asked for (the oldest, perhaps cut by the window, is left out): the newest are whole.
    if (events.length < n || records.length > limit) return records.slice(-limit);
  }
}

/** Two batches' data as one: counts summed, the period widened. */
function merged(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const sum = (x: unknown, y: unknown): Record<string, number> => {
    const out = { ...(x ?? {}) as Record<string, number> };
    for (const [k, n] of Object.entries((y ?? {}) as Record<string, number>)) out[k] = (out[k] ?? 0) + n;
    return out;
  };
  const pick = (x: unknown, y: unknown, f: (p: string, q: string) => string): unknown =>
    typeof x === 'string' && typeof y === 'string' ? f(x, y) : x ?? y;
  return {
    ...a, count: Number(a.count) + Number(b.count), states: sum(a.states, b.states), categories: sum(a.categories, b.categories),
    oldestClosed: pick(a.oldestClosed, b.oldestClosed, (p, q) => (Date.parse(p) <= Date.parse(q) ? p : q)),
    newestClosed: pick(a.newestClosed, b.newestClosed, (p, q) => (Date.parse(p) >= Date.parse(q) ? p : q)),
  };
}

/** The records as the printable text of `pintu purge --report`. */
export function formatDestructionRecords(records: DestructionRecord[], o: { door: string; site: string; timeZone: string }): string {
  const t = (iso: unknown): string => (typeof iso === 'string' ? formatTime(Date.parse(iso), o.timeZone) : '–');
  const lines = [
    'BERITA ACARA PEMUSNAHAN DATA PRIBADI',
    `Pintu ruang server: ${o.door} (situs ${o.site})`,
    'Dasar: UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi (penghapusan setelah masa simpan berakhir)',
    '',
  ];
  if (records.length === 0) return [...lines, 'Belum ada pemusnahan data pribadi yang tercatat di pintu ini.'].join('\n');
  records.forEach((r, i) => {
    const d = r.data;
    const cat = (d.categories ?? {}) as Record<string, number>;
    // In the SOP's order (STATE_ID's), whatever order the batches met them in: a record reads the same every time.
    const order = Object.keys(STATE_ID);
    const rank = (s: string): number => (order.includes(s) ? order.indexOf(s) : order.length);
    const states = Object.entries((d.states ?? {}) as Record<string, number>).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
      .map(([s, n]) => `${STATE_ID[s] ?? s} ${n}`).join(', ');
    const who = d.ranBy === 'cli' ? `perintah pintu purge${typeof d.officer === 'string' ? ` oleh petugas ${d.officer}` : ''}` : 'layanan pintu (jadwal otomatis)';
    lines.push(
      `${i + 1}. Pemusnahan pada ${t(r.at)} (${r.batches > 1 ? `peristiwa no. ${r.seq}–${r.lastSeq}, ${r.batches} tahap` : `peristiwa no. ${r.seq}`})`,
      `   Dijalankan oleh   : ${who}`,
      `   Kebijakan         : masa simpan ${String(d.retentionDays)} hari setelah kunjungan ditutup (privacy.retentionDays)` +
        (typeof d.expireUndecidedDays === 'number' ? `; permohonan tanpa keputusan kedaluwarsa setelah ${d.expireUndecidedDays} hari` : ''),
      `   Batas             : kunjungan yang ditutup sebelum ${t(d.cutoff)}`,
      `   Periode           : ditutup antara ${t(d.oldestClosed)} dan ${t(d.newestClosed)}`,
      `   Jumlah kunjungan  : ${String(d.count)}${states ? ` (${states})` : ''}`,
      '   Kategori data yang dimusnahkan:',
      `     - identitas (nama, NIK, nomor telepon)          : ${cat.identity ?? d.count} kunjungan`,
      `     - hash chip KTP                                 : ${cat.ktpHash ?? '–'}`,
      `     - hash NIK                                      : ${cat.nikHash ?? '–'}`,
      `     - teks bebas (keperluan, alasan, catatan, nama pemberi disposisi): ${cat.freeText ?? '–'} kunjungan`,
      `     - catatan buku kejadian                         : ${cat.incidentNotes ?? '–'} entri`,
      ...(cat.watchlistEntries ? [`     - entri daftar pantauan yang telah kedaluwarsa  : ${cat.watchlistEntries} entri`] : []),
      '   Tetap disimpan    : nomor kunjungan, status, waktu langkah SOP, instansi, perangkat, dan log peristiwa (untuk laporan)',
      `   Hash peristiwa    : ${r.hash}${r.batches > 1 ? ' (tahap terakhir)' : ''}`,
      '',
    );
  });
  return lines.join('\n').trimEnd();
}

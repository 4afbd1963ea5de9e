/**
 * `pintu purge --report`: the destruction records (berita acara pemusnahan data pribadi) of the door, one per purge
 * run, from its `privacy.purged` events — what categories of personal data, how many records, the period the visits
 * were closed in, when, by which policy and run by what. In Indonesian, as the document is filed at the office.
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
  /** The event's data: count, policy, categories, states, period, who ran it. */
  data: Record<string, unknown>;
}

/** Words for the visit states, as the officers' console names them. */
const STATE_ID: Record<string, string> = {
  checked_out: 'sudah keluar', archived: 'diarsipkan', denied: 'ditolak', cancelled: 'dibatalkan', expired: 'kedaluwarsa', revoked: 'izin dicabut',
};

/** The destruction records among these events. */
export function destructionRecords(events: StoredEvent[]): DestructionRecord[] {
  return events.filter((e) => isEvent(e, 'privacy.purged')).map((e) => ({ seq: e.seq, at: e.at, hash: e.hash, data: e.data as Record<string, unknown> }));
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
    const states = Object.entries((d.states ?? {}) as Record<string, number>).map(([s, n]) => `${STATE_ID[s] ?? s} ${n}`).join(', ');
    const who = d.ranBy === 'cli' ? `perintah pintu purge${typeof d.officer === 'string' ? ` oleh petugas ${d.officer}` : ''}` : 'layanan pintu (jadwal otomatis)';
    lines.push(
      `${i + 1}. Pemusnahan pada ${t(r.at)} (peristiwa no. ${r.seq})`,
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
      `   Hash peristiwa    : ${r.hash}`,
      '',
    );
  });
  return lines.join('\n').trimEnd();
}

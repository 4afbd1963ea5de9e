/**
 * The printable page of `pintu subject export --format html`: every record the door holds about one person (their
 * visits with all fields, the incident-book entries and the events naming those visits), in Indonesian, as the office
 * hands it to the person who asked (UU PDP 27/2022, right of access). Self-contained: no scripts, no outside resources.
 */
import type { SubjectRecords } from '../app/subject.js';
import type { Visit } from '../domain/types.js';
import { formatTime } from '../domain/time.js';

const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Indonesian words for the visit states (the console's). */
const STATE: Record<string, string> = {
  requested: 'Diajukan', checked: 'Diperiksa kelengkapannya', approved: 'Disetujui', denied: 'Ditolak', issued: 'Kartu khusus diserahkan',
  checked_out: 'Sudah keluar', archived: 'Diarsipkan', revoked: 'Izin dicabut', cancelled: 'Dibatalkan', expired: 'Kedaluwarsa',
};
/** Indonesian words for the milestones. */
const MILESTONE: Record<string, string> = {
  requested: 'Diajukan', checked: 'Diperiksa', decided: 'Diputuskan', issued: 'Kartu diserahkan', firstEntry: 'Masuk pertama', lastEntry: 'Masuk terakhir',
  lastExit: 'Keluar terakhir', checkedOut: 'Selesai (keluar)', reported: 'Dilaporkan', archived: 'Diarsipkan', revoked: 'Izin dicabut',
  cancelled: 'Dibatalkan', mismatchAcknowledged: 'Selisih perangkat dikonfirmasi', expired: 'Kedaluwarsa',
};

function visitSection(v: Visit, r: SubjectRecords, tz: string): string {
  const t = (ms: number | null | undefined): string => formatTime(ms, tz);
  const row = (k: string, val: unknown): string => `<tr><th>${esc(k)}</th><td>${esc(val === null || val === undefined || val === '' ? '–' : val)}</td></tr>`;
  const devices = (ds: Visit['devicesIn'] | null): string => (ds && ds.length ? ds.map((d) => `${d.description} (SN ${d.serial})`).join('; ') : '–');
  const rows = [
    row('Nama', v.visitor.name), row('NIK', v.visitor.nik), row('Instansi / perusahaan', v.visitor.org), row('Nomor telepon', v.visitor.phone),
    row('Jenis', v.kind === 'maintenance' ? 'Pemeliharaan (SOP 002)' : 'Kunjungan'), row('Status', STATE[v.state] ?? v.state), row('Keperluan', v.purpose),
    row('Perkiraan lama (menit)', v.plannedMinutes), row('Nomor surat / tiket', v.letterRef), row('Perangkat dibawa masuk', devices(v.devicesIn)),
    row('Perangkat dibawa keluar', devices(v.devicesOut)), row('Chip KTP dibaca', v.ktpHash ? 'ya (disimpan hanya sebagai hash berkunci)' : 'tidak'),
    row('Izin berlaku', v.validFrom !== null ? `${t(v.validFrom)} s.d. ${t(v.validUntil)}` : null), row('Alasan penolakan', v.denyReason), row('Alasan pencabutan', v.revokeReason),
    ...(v.disposition ? [row('Disposisi', `${v.disposition.orderedBy}, ${v.disposition.reference}, ${v.disposition.date}`)] : []),
    ...(v.checklist ?? []).map((c) => row(`Daftar periksa: ${c.item}`, `${c.status}${c.note ? ` — ${c.note}` : ''}`)),
    ...Object.entries(v.at).map(([m, at]) => row(`${MILESTONE[m] ?? m}`, `${t(at)}${v.by[m as keyof Visit['by']] ? ` (petugas ${v.by[m as keyof Visit['by']]})` : ''}`)),
    ...(v.purged ? [row('Data pribadi dihapus', `${t(v.purged.at)} (${v.purged.why === 'subject' ? 'atas permintaan' : 'masa simpan berakhir'})`)] : []),
  ];
  const incidents = r.incidents.filter((i) => i.visitId === v.id);
  const events = r.events.filter((e) => e.data.visit === v.id);
  return `<section class="visit"><h2>Kunjungan ${esc(v.id)}</h2>
<table>${rows.join('\n')}</table>
<h3>Buku kejadian (${incidents.length})</h3>
${incidents.length ? `<table><tr><th>No.</th><th>Waktu</th><th>Petugas</th><th>Catatan</th></tr>${incidents.map((i) => `<tr><td>${i.id}</td><td>${esc(t(i.at))}</td><td>${esc(i.officerId)}</td><td>${esc(i.note)}</td></tr>`).join('')}</table>` : '<p>Tidak ada.</p>'}
<h3>Log peristiwa yang menyebut kunjungan ini (${events.length})</h3>
${events.length ? `<table class="events"><tr><th>No.</th><th>Waktu</th><th>Peristiwa</th><th>Data</th></tr>${events.map((e) => `<tr><td>${e.seq}</td><td>${esc(t(Date.parse(e.at)))}</td><td>${esc(e.type)}</td><td><code>${esc(JSON.stringify(e.data))}</code></td></tr>`).join('')}</table>` : '<p>Tidak ada.</p>'}
</section>`;
}

/** The whole printable page. */
export function subjectHtml(r: SubjectRecords, o: { site: string; door: string; timeZone: string; now: number }): string {
  return `<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>Salinan data pribadi — NIK ${esc(r.nikMasked)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
h1{font-size:1.4rem}h2{font-size:1.15rem;border-bottom:1px solid #999;padding-bottom:.2rem;margin-top:2rem}h3{font-size:1rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#f2f2f2;width:16rem}table.events th{width:auto}code{font-size:.8rem;word-break:break-all}
@media print{body{margin:0}section.visit{break-inside:avoid-page}}
</style></head>
<body>
<h1>Salinan Data Pribadi atas Permintaan Subjek Data</h1>
<p>Berdasarkan UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi (hak mengakses dan memperoleh salinan data pribadi).</p>
<table>
<tr><th>Pintu ruang server</th><td>${esc(o.door)} (situs ${esc(o.site)})</td></tr>
<tr><th>NIK (disamarkan)</th><td>${esc(r.nikMasked)}</td></tr>
<tr><th>Dibuat pada</th><td>${esc(formatTime(o.now, o.timeZone))}</td></tr>
<tr><th>Jumlah kunjungan</th><td>${r.visits.length}</td></tr>
</table>
${r.visits.length ? r.visits.map((v) => visitSection(v, r, o.timeZone)).join('\n') : '<p>Pintu ini tidak menyimpan data kunjungan dengan NIK tersebut.</p>'}
<p>Catatan: log peristiwa tidak memuat nama, NIK, nomor telepon atau UID KTP; log berantai hash sehingga tidak diubah saat data pribadi dihapus.</p>
</body></html>
`;
}

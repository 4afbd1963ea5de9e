/** Catalogue: the words of a visit shown on every visit screen. */
import { section } from './define.js';

/** The visit section. */
export const visit = section({
  'visit.id': 'Nomor kunjungan',
  'visit.visitor': 'Pengunjung',
  'visit.org': 'Instansi',
  'visit.purpose': 'Keperluan',
  'visit.valid': 'Izin akses berlaku',
  'visit.badge': 'Kartu khusus',
  'visit.ktp': 'KTP',
  'visit.ktpHeld': 'Disimpan di meja petugas',
  'visit.ktpNotHeld': 'Tidak disimpan',
  'visit.maintenance': 'Pemeliharaan',
  'visit.noDevices': 'Tidak ada perangkat yang dibawa.',
  'visit.device': 'Perangkat',
  'visit.serial': 'Nomor seri',
}, {
  'visit.id': 'Visit number',
  'visit.visitor': 'Visitor',
  'visit.org': 'Institution',
  'visit.purpose': 'Purpose',
  'visit.valid': 'Approval valid',
  'visit.badge': 'Special badge',
  'visit.ktp': 'KTP',
  'visit.ktpHeld': 'Held at the desk',
  'visit.ktpNotHeld': 'Not held',
  'visit.maintenance': 'Maintenance',
  'visit.noDevices': 'No devices brought in.',
  'visit.device': 'Device',
  'visit.serial': 'Serial number',
});

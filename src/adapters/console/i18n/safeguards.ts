/** Catalogue: issue 14's safeguards at the desk — a head revealing a NIK, the server-room rules at badge issue, random-UID cards. */
import { section } from './define.js';

/** The safeguards section. */
export const safeguards = section({
  'nik.reveal.title': 'Buka NIK lengkap kunjungan {visit}',
  'nik.reveal.lead': 'NIK ditampilkan tersamar di semua layar. Sebagai kepala, Anda dapat membuka NIK lengkap satu kunjungan dengan alasan; pembukaan dicatat (kepala dan alasan, tanpa NIK).',
  'nik.reveal.reason': 'Alasan membuka NIK',
  'nik.reveal.reasonRequired': 'Tuliskan alasan membuka NIK.',
  'nik.reveal.submit': 'Buka NIK lengkap',
  'nik.reveal.shown': 'NIK lengkap pengunjung (ditampilkan sekali; tidak disimpan oleh peramban):',
  'nik.reveal.recorded': 'Pembukaan ini tercatat atas nama {officer} dengan alasan: {reason}',
  'nik.reveal.back': 'Kembali ke kunjungan (NIK tersamar lagi)',
  'desk.randomUid.ktp': 'Kartu ini memberi UID acak (berubah setiap kali ditempelkan), jadi chipnya tidak dapat dikaitkan dengan KTP. Catat KTP secara manual.',
  'desk.randomUid.badge': 'Kartu ini memberi UID acak (berubah setiap kali ditempelkan), jadi tidak dapat menjadi kartu: pintu tidak akan mengenalinya lagi. Gunakan kartu lain.',
  'err.uid.random.ktp': 'Kartu ini memberi UID acak (berubah setiap kali ditempelkan), jadi chipnya tidak dapat dikaitkan dengan KTP. Catat KTP secara manual.',
  'err.uid.random.badge': 'Kartu ini memberi UID acak (berubah setiap kali ditempelkan), jadi tidak dapat menjadi kartu: pintu tidak akan mengenalinya lagi. Gunakan kartu lain.',
}, {
  'nik.reveal.title': 'Reveal the full NIK of visit {visit}',
  'nik.reveal.lead': 'The NIK is masked on every screen. As a head you may reveal the full NIK of one visit with a reason; the reveal is recorded (the head and the reason, not the NIK).',
  'nik.reveal.reason': 'Reason for revealing the NIK',
  'nik.reveal.reasonRequired': 'Give the reason for revealing the NIK.',
  'nik.reveal.submit': 'Reveal the full NIK',
  'nik.reveal.shown': 'The visitor\'s full NIK (shown once; not kept by the browser):',
  'nik.reveal.recorded': 'This reveal is recorded for {officer} with the reason: {reason}',
  'nik.reveal.back': 'Back to the visit (NIK masked again)',
  'desk.randomUid.ktp': 'This card gives a random UID (it changes at every tap), so its chip cannot link the KTP. Record the KTP manually.',
  'desk.randomUid.badge': 'This card gives a random UID (it changes at every tap), so it cannot be a badge: the door would never recognise it again. Use another card.',
  'err.uid.random.ktp': 'This card gives a random UID (it changes at every tap), so its chip cannot link the KTP. Record the KTP manually.',
  'err.uid.random.badge': 'This card gives a random UID (it changes at every tap), so it cannot be a badge: the door would never recognise it again. Use another card.',
});

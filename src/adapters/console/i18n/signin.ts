/** Catalogue: signing in and out with the officer's badge and PIN. */
import { section } from './define.js';

/** The sign-in section. */
export const signin = section({
  'signin.title': 'Masuk',
  'signin.lead': 'Tempelkan kartu petugas Anda di pembaca meja, atau pilih nama Anda, lalu masukkan PIN.',
  'signin.officer': 'Petugas',
  'signin.choose': '— pilih petugas —',
  'signin.pin': 'PIN',
  'signin.submit': 'Masuk',
  'signin.tapped': 'Kartu petugas terbaca: {name}',
  'signin.wrong': 'PIN salah. Sisa percobaan: {left}.',
  'signin.locked': 'Terlalu banyak PIN salah. Kartu dikunci sampai {until}.',
  'signin.busy': 'Terlalu banyak percobaan masuk saat ini. Coba lagi sebentar lagi.',
  'signin.noPin': 'Petugas ini belum memiliki PIN. Minta kepala bidang mengatur PIN (atau `pintu officer pin`).',
  'signin.inactive': 'Petugas ini dinonaktifkan.',
  'signin.signedOut': 'Anda telah keluar.',
  'signin.timedOut': 'Sesi berakhir karena tidak digunakan. Silakan masuk kembali.',
  'signin.welcome': 'Selamat datang, {name}.',
  'signin.noOfficers': 'Belum ada petugas. Jalankan `pintu setup` di Raspberry Pi untuk membuat kepala bidang pertama.',
}, {
  'signin.title': 'Sign in',
  'signin.lead': 'Tap your officer badge on the desk reader, or choose your name, then enter your PIN.',
  'signin.officer': 'Officer',
  'signin.choose': '— choose an officer —',
  'signin.pin': 'PIN',
  'signin.submit': 'Sign in',
  'signin.tapped': 'Officer badge read: {name}',
  'signin.wrong': 'Wrong PIN. Tries left: {left}.',
  'signin.locked': 'Too many wrong PINs. The badge is locked until {until}.',
  'signin.busy': 'Too many sign-in attempts right now. Try again in a moment.',
  'signin.noPin': 'This officer has no PIN yet. Ask a head to set one (or `pintu officer pin`).',
  'signin.inactive': 'This officer is deactivated.',
  'signin.signedOut': 'You have signed out.',
  'signin.timedOut': 'Your session ended after a while unused. Please sign in again.',
  'signin.welcome': 'Welcome, {name}.',
  'signin.noOfficers': 'No officers yet. Run `pintu setup` on the Raspberry Pi to create the first head.',
});

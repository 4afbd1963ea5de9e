/** Catalogue: the signed-in officer's own account (their details, changing their own PIN). */
import { section } from './define.js';

/** The account section. */
export const account = section({
  'account.title': 'Akun saya',
  'account.pin': 'Ubah PIN',
  'account.pinLead': 'Masukkan PIN Anda saat ini, lalu PIN baru dua kali. PIN salah 5 kali berturut-turut mengunci kartu Anda.',
  'account.current': 'PIN saat ini',
  'account.currentMissing': 'Masukkan PIN Anda saat ini.',
  'account.currentWrong': 'PIN saat ini salah. Sisa percobaan sebelum kartu dikunci: {left}.',
  'account.changed': 'PIN Anda telah diubah.',
  'account.submit': 'Ubah PIN',
}, {
  'account.title': 'My account',
  'account.pin': 'Change PIN',
  'account.pinLead': 'Enter your current PIN, then the new PIN twice. 5 wrong PINs in a row lock your badge.',
  'account.current': 'Current PIN',
  'account.currentMissing': 'Enter your current PIN.',
  'account.currentWrong': 'The current PIN is wrong. Tries left before the lock: {left}.',
  'account.changed': 'Your PIN has been changed.',
  'account.submit': 'Change PIN',
});

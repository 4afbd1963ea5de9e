/**
 * The server-room rules the visitor acknowledges when the special badge is issued (issue 14, item 9): a site text,
 * versioned, Indonesian by default (from the SOPs' own duties — 000, 001, 003, 004: always accompanied and supervised,
 * the badge worn visibly, nothing outside the access granted, devices declared with their serial numbers — plus the
 * usual house rules of a server room). The visit keeps which version was acknowledged, when and before which officer.
 */

/** A versioned rules text. */
export interface ServerRoomRules {
  /** Version of the text (kept with each acknowledgement; a site changes it whenever it changes the text). */
  version: string;
  /** The rules, one per line, as read to the visitor. */
  text: readonly string[];
}

/** The rules a site has until it configures its own (`visits.rules`). */
export const DEFAULT_RULES: ServerRoomRules = {
  version: '2026-1',
  text: [
    'Selama berada di ruang server, pengunjung senantiasa ditemani dan diawasi oleh petugas.',
    'Kartu khusus ruang server dikenakan dan terlihat setiap saat, dan dikembalikan saat keluar untuk ditukar dengan KTP.',
    'Pengunjung hanya melakukan kegiatan sesuai izin akses dan tidak melakukan hal yang berisiko terhadap server dan isinya.',
    'Semua perangkat yang dibawa masuk dan keluar dicatat beserta nomor serinya.',
    'Dilarang membawa makanan dan minuman ke dalam ruang server.',
    'Dilarang mengambil foto atau rekaman di dalam ruang server tanpa izin petugas.',
    'Dilarang merokok dan membawa bahan mudah terbakar ke dalam ruang server.',
  ],
};

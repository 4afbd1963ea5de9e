/**
 * Issue 13: the centre always learns of each incident-book entry (SOP 004: `incident.recorded`, counted in the report),
 * but gets its text only where the site sends it (`central.sendIncidentText`, default off). The choice is made when the
 * entry is written (the event is hash-chained), for all three ways an entry is written: the incident book, a head's
 * device-mismatch acknowledgement, and an officer's note on an acknowledged alarm. Both ways, through the config.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { alarmDesk, openStore, visitService } from '../../src/main.js';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';
import { publicKeyToText } from '../../src/protocol/signing.js';
import { generateKeyPairSync } from 'node:crypto';
import type { StoredEvent } from '../../src/domain/events.js';

const centralKey = publicKeyToText(generateKeyPairSync('ed25519').publicKey);
const configs: TempConfig[] = [];
afterEach(() => { for (const c of configs.splice(0)) c.cleanup(); });

/** A door whose config has a central: section with `sendIncidentText` as given (undefined: the key left out). */
function door(sendIncidentText: boolean | undefined) {
  const tc = tempConfig({ central: { url: 'mqtt://127.0.0.1:1', publicKey: centralKey, ...(sendIncidentText === undefined ? {} : { sendIncidentText }) } });
  configs.push(tc);
  const store = openStore(tc.config);
  const desk = visitService(tc.config, store);
  const alarms = alarmDesk(tc.config, store);
  desk.addOfficer('Head', 'head', '0A01'); // O1
  desk.addOfficer('Staff', 'staff', '0A02'); // O2
  desk.addBadge('1B01', 'TAMU-01');
  return { store, desk, alarms, close: () => store.db.close() };
}

/** Write one entry each way; the `incident.recorded` events they made. */
function writeEntries(d: ReturnType<typeof door>): StoredEvent<'incident.recorded'>[] {
  const from = d.store.events.lastSeq();
  // 1. The incident book.
  d.desk.incident('O2', 'Pintu terbuka 10 menit, Budi lupa menutup');
  // 2. A head acknowledges a device mismatch.
  const v = d.desk.request({ name: 'Budi', nik: testNik(1), org: 'PT X', purpose: 'disk', devices: [{ description: 'HDD', serial: 'WD-2' }] }).id;
  d.desk.check(v, 'O2');
  d.desk.approve(v, 'O1');
  d.desk.issue(v, 'TAMU-01', 'O2', { rulesAcknowledged: true });
  d.desk.checkout(v, 'O2', []);
  d.desk.acknowledgeMismatch(v, 'O1', 'HDD ditahan untuk perbaikan');
  // 3. An officer's note on an acknowledged alarm.
  d.store.tx(() => d.store.events.append([{ type: 'door.forced', data: {} }], Date.now()));
  d.alarms.acknowledge(d.alarms.open()[0]!.event.seq, 'O2', 'Kunci dicek, aman');
  return d.store.events.since(from).filter((e): e is StoredEvent<'incident.recorded'> => e.type === 'incident.recorded');
}

describe('incident text to the centre (central.sendIncidentText)', () => {
  it('is off by default', () => {
    expect(configSchema.parse({ site: 's', door: { id: 'd' }, central: { url: 'mqtt://h', publicKey: centralKey } }).central!.sendIncidentText).toBe(false);
  });

  it.each([[false], [undefined]])('off (%s): every entry is an event with its number, officer and visit, and no text', (setting) => {
    const d = door(setting);
    try {
      const events = writeEntries(d);
      expect(events).toHaveLength(3);
      for (const e of events) expect(Object.keys(e.data).filter((k) => !k.startsWith('clock')).sort()).toEqual(['incident', 'officer', 'visit']);
      expect(JSON.stringify(events)).not.toMatch(/Budi|HDD|Kunci/);
      // The book keeps the text at the door.
      expect(d.store.incidents().map((i) => i.note).sort()).toEqual(['HDD ditahan untuk perbaikan', 'Kunci dicek, aman', 'Pintu terbuka 10 menit, Budi lupa menutup']);
    } finally { d.close(); }
  });

  it('on: each entry\'s event carries its text, as written in the book', () => {
    const d = door(true);
    try {
      const events = writeEntries(d);
      expect(events.map((e) => e.data.text)).toEqual(['Pintu terbuka 10 menit, Budi lupa menutup', 'HDD ditahan untuk perbaikan', 'Kunci dicek, aman']);
      const book = new Map(d.store.incidents().map((i) => [i.id, i.note]));
      for (const e of events) expect(e.data.text).toBe(book.get(e.data.incident));
      expect(d.store.events.verify()).toBeNull();
    } finally { d.close(); }
  });
});

/**
 * Bad input changes nothing, whichever way it arrives: VisitService (CLI, desk) and signed commands from the centre
 * refuse over-long text, control characters and impossible dates with a message naming the field, and write no event.
 * The config refuses an unknown time zone and a malformed centre key, naming the key.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { VisitService } from '../../src/app/visit-service.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import { UserError } from '../../src/domain/errors.js';
import { CommandHandler } from '../../src/adapters/mqtt/command-handler.js';
import { LinkState } from '../../src/adapters/mqtt/link-state.js';
import { signBody } from '../../src/adapters/mqtt/protocol.js';
import { loadOrCreateKeyPair, publicKeyToText } from '../../src/adapters/mqtt/keys.js';
import { parseConfig } from '../../src/config/load.js';
import { parseCentralConfig } from '../../src/central/config.js';

const NIK = '3201011205900001';

describe('bad input through VisitService and commands from the centre', () => {
  let dir: string;
  let store: Store;
  let visits: VisitService;
  const now = Date.UTC(2026, 10, 23, 2, 0, 0);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pintu-bad-'));
    store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'normal' }), 'd1', null);
    visits = new VisitService(store, { standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day', timeZone: 'Asia/Jakarta', secret: Buffer.alloc(32, 7), now: () => now });
    visits.addOfficer('Head', 'head', '0A01');
    visits.addOfficer('Staff', 'staff', '0A02');
    visits.addBadge('1B01', 'TAMU-01');
  });
  afterEach(() => { store.db.close(); rmSync(dir, { recursive: true, force: true }); });

  const refused = (fn: () => unknown, msg: RegExp): void => {
    const before = store.events.lastSeq();
    expect(fn).toThrow(UserError);
    expect(fn).toThrow(msg);
    expect(store.events.lastSeq()).toBe(before);
  };
  const base = { name: 'Budi', nik: NIK, org: 'PT X', purpose: 'replace disk' };

  it('refuses control characters and over-long text in every field of every command, naming the field', () => {
    const esc = '\u001b[2J\u001b[31mGRANTED';
    refused(() => visits.request({ ...base, name: esc }), /^--name: contains a control character \(U\+001B\)/);
    refused(() => visits.request({ ...base, org: 'x'.repeat(201) }), /^--org: is 201 characters long; at most 200/);
    refused(() => visits.request({ ...base, purpose: 'p'.repeat(501) }), /^--purpose: .*at most 500/);
    refused(() => visits.request({ ...base, phone: '0812\u0085' }), /^--phone: .*U\+0085/);
    refused(() => visits.request({ ...base, letterRef: 'ND\u202E7' }), /^--letter: .*U\+202E/);
    refused(() => visits.request({ ...base, devices: [{ description: 'Laptop\nDell', serial: 'S1' }] }), /^--device description: .*U\+000A/);
    refused(() => visits.request({ ...base, devices: [{ description: 'Laptop', serial: 'S'.repeat(101) }] }), /^--device serial: .*at most 100/);
    const disp = { orderedBy: 'Kabag TU', reference: 'ND-7/2026', date: '2026-11-20' };
    refused(() => visits.request({ ...base, kind: 'maintenance', disposition: { ...disp, orderedBy: '\u009bX' } }), /^--disposition-by: /);
    refused(() => visits.request({ ...base, kind: 'maintenance', disposition: { ...disp, reference: 'r'.repeat(101) } }), /^--disposition-ref: /);
    refused(() => visits.request({ ...base, kind: 'maintenance', disposition: { ...disp, date: '2026-02-30' } }), /--disposition-date "2026-02-30" must be a real date/);
    refused(() => visits.addOfficer('Siti\u001b[0m', 'staff', '0A09'), /^--name: /);
    refused(() => visits.addBadge('1B09', 'TAMU\u202E-09'), /^--label: /);
    refused(() => visits.incident('O2', 'n'.repeat(1001)), /^--note: .*at most 1000/);
    refused(() => visits.incident('O2', 'kabel\u001b]0;owned\u0007'), /^--note: /);
    refused(() => visits.setDoorMode('disabled', 'O1', 'r\u0000'), /^--reason: /);

    const v = visits.request(base);
    visits.check(v.id, 'O2');
    refused(() => visits.deny(v.id, 'O1', 'no letter\u001b[8m'), /^--reason: /);
    refused(() => visits.revoke(v.id, 'O1', 'r'.repeat(501)), /^--reason: .*at most 500/);
    visits.approve(v.id, 'O1');
    visits.issue(v.id, 'TAMU-01', 'O2');
    refused(() => visits.checkout(v.id, 'O2', [{ description: 'HDD', serial: 'WD\u202E1' }]), /^--device-out serial: /);
    refused(() => visits.checklist(v.id, 'O2', [{ item: 'UPS\u001b', status: 'ok', note: null }]), /^--item: /);
    refused(() => visits.checklist(v.id, 'O2', [{ item: 'UPS', status: 'ok', note: 'x'.repeat(501) }]), /^--item note: /);
    const out = visits.checkout(v.id, 'O2', []);
    refused(() => visits.report(out.id, 'O2', 'ok\u2066'), /^--note: /);
  });

  it('says "no such badge" for a label or UID that is not in the pool, not a hex-format error', () => {
    const v = visits.request(base);
    visits.check(v.id, 'O2');
    visits.approve(v.id, 'O1');
    for (const b of ['TAMU-99', '1B99']) {
      refused(() => visits.issue(v.id, b, 'O2'), new RegExp(`^no such badge "${b}": no visitor badge in the pool has that label or UID`));
      expect(() => visits.issue(v.id, b, 'O2')).not.toThrow(/hexadecimal/);
    }
  });

  it('refuses the same bad input in a signed command from the centre (command.failed, nothing else changes)', () => {
    const centre = loadOrCreateKeyPair(dir, 'central.key');
    const handler = new CommandHandler(store, new LinkState(store.db, 'd1'), visits,
      { site: 's1', door: 'd1', centralKey: centre.publicKey, now: () => now }, pino({ level: 'silent' }));
    let counter = 0;
    const send = (action: string, args: Record<string, unknown>) => handler.handle(Buffer.from(JSON.stringify(signBody(centre.privateKey, 'commands', 's1', 'd1', {
      v: 1, id: `cmd-${String(++counter).padStart(6, '0')}`, counter, issuedAt: new Date(now).toISOString(), expiresAt: new Date(now + 3_600_000).toISOString(), action, args,
    }))));
    const r1 = send('preregister', { ...base, name: 'Budi\u001b[31m' });
    expect(r1).toMatchObject({ ok: false, error: expect.stringMatching(/--name: contains a control character/) });
    const v = visits.request(base);
    visits.check(v.id, 'O2');
    const r2 = send('approve', { visit: v.id, by: 'O1', until: '2027-02-30T10:00:00+07:00' });
    expect(r2).toMatchObject({ ok: false, error: expect.stringMatching(/until: .*not a real date/) });
    const r3 = send('deny', { visit: v.id, by: 'O1', reason: 'no\u202Eletter' });
    expect(r3).toMatchObject({ ok: false, error: expect.stringMatching(/--reason: /) });
    expect(visits.visit(v.id).state).toBe('checked');
    expect(store.visits({ limit: 10 }).length).toBe(1);
    const r4 = send('approve', { visit: v.id, by: 'O1', until: '2026-11-23T16:00' });
    expect(r4).toMatchObject({ ok: true, state: 'approved' });
    expect(visits.visit(v.id).validUntil).toBe(Date.UTC(2026, 10, 23, 9, 0)); // 16:00 WIB, not 16:00 UTC
  });
});

describe('config validation names the key', () => {
  it('refuses an unknown time zone (door and centre)', () => {
    expect(() => parseConfig({ site: 's', door: { id: 'd' }, visits: { timeZone: 'Mars/Olympus' } }, '/')).toThrow(/visits\.timeZone: is not a known IANA time zone.*Mars\/Olympus/s);
    expect(parseConfig({ site: 's', door: { id: 'd' }, visits: { timeZone: 'Asia/Jayapura' } }, '/').visits.timeZone).toBe('Asia/Jayapura');
    expect(() => parseCentralConfig({ broker: { url: 'mqtt://localhost' }, timeZone: 'Mars/Olympus' }, '/')).toThrow(/timeZone: is not a known IANA time zone/);
    expect(parseCentralConfig({ broker: { url: 'mqtt://localhost' } }, '/').timeZone).toBe('Asia/Jakarta');
  });

  it('refuses a central.publicKey that is not an Ed25519 key as `central keys show` prints it', () => {
    const central = (publicKey: string) => ({ site: 's', door: { id: 'd' }, central: { url: 'mqtt://localhost', publicKey } });
    for (const bad of ['garbage', 'AAAA', Buffer.alloc(31).toString('base64'), `${Buffer.alloc(32, 1).toString('base64')}x`]) {
      expect(() => parseConfig(central(bad), '/'), bad).toThrow(/central\.publicKey: must be the centre's Ed25519 public key/);
    }
    const good = publicKeyToText(generateKeyPairSync('ed25519').publicKey);
    expect(parseConfig(central(good), '/').central?.publicKey).toBe(good);
  });
});

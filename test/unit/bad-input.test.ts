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
import { NotFound, Refused, UserError, type InputField } from '../../src/domain/errors.js';
import { cliMessage } from '../../src/cli/input.js';
import { CommandHandler } from '../../src/adapters/mqtt/command-handler.js';
import { LinkState } from '../../src/adapters/mqtt/link-state.js';
import { signBody } from '../../src/protocol/signing.js';
import { loadOrCreateKeyPair, loadOrCreateSealKey } from '../../src/adapters/mqtt/keys.js';
import { wireArgs } from '../../src/central/commands.js';
import { publicKeyToText } from '../../src/protocol/signing.js';
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
  /**
   * Refused with an error about `field` whose message speaks the domain (`domain`, no CLI flag: it also goes to the
   * centre), and which the CLI tells naming its flag (`cli`).
   */
  const refusedInput = (fn: () => unknown, field: InputField, domain: RegExp, cli: RegExp): void => {
    const before = store.events.lastSeq();
    let err: unknown = null;
    try { fn(); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(UserError);
    const e = err as UserError;
    expect(e.field).toBe(field);
    expect(e.message).toMatch(domain);
    expect(e.message).not.toMatch(/--/);
    expect(cliMessage(e)).toMatch(cli);
    expect(store.events.lastSeq()).toBe(before);
  };
  const base = { name: 'Budi', nik: NIK, org: 'PT X', purpose: 'replace disk' };

  it('refuses control characters and over-long text in every field of every command, naming the field (the CLI: its flag)', () => {
    const esc = '\u001b[2J\u001b[31mGRANTED';
    refusedInput(() => visits.request({ ...base, name: esc }), 'name', /^visitor name: contains a control character \(U\+001B\)/, /^--name: contains a control character \(U\+001B\)/);
    refusedInput(() => visits.request({ ...base, org: 'x'.repeat(201) }), 'org', /^institution: is 201 characters long/, /^--org: is 201 characters long; at most 200/);
    refusedInput(() => visits.request({ ...base, purpose: 'p'.repeat(501) }), 'purpose', /^purpose: /, /^--purpose: .*at most 500/);
    refusedInput(() => visits.request({ ...base, phone: '0812\u0085' }), 'phone', /^phone: /, /^--phone: .*U\+0085/);
    refusedInput(() => visits.request({ ...base, letterRef: 'ND\u202E7' }), 'letterRef', /^request letter reference: /, /^--letter: .*U\+202E/);
    refusedInput(() => visits.request({ ...base, devices: [{ description: 'Laptop\nDell', serial: 'S1' }] }), 'devices.description', /^description of a device brought in: /, /^--device description: .*U\+000A/);
    refusedInput(() => visits.request({ ...base, devices: [{ description: 'Laptop', serial: 'S'.repeat(101) }] }), 'devices.serial', /^serial of a device brought in: /, /^--device serial: .*at most 100/);
    const disp = { orderedBy: 'Kabag TU', reference: 'ND-7/2026', date: '2026-11-20' };
    refusedInput(() => visits.request({ ...base, kind: 'maintenance', disposition: { ...disp, orderedBy: '\u009bX' } }), 'disposition.orderedBy', /^who ordered the disposition: /, /^--disposition-by: /);
    refusedInput(() => visits.request({ ...base, kind: 'maintenance', disposition: { ...disp, reference: 'r'.repeat(101) } }), 'disposition.reference', /^disposition reference: /, /^--disposition-ref: /);
    refusedInput(() => visits.request({ ...base, kind: 'maintenance', disposition: { ...disp, date: '2026-02-30' } }), 'disposition.date', /^disposition date "2026-02-30" must be a real date/, /--disposition-date "2026-02-30" must be a real date/);
    refusedInput(() => visits.addOfficer('Siti\u001b[0m', 'staff', '0A09'), 'name', /^officer name: /, /^--name: /);
    refusedInput(() => visits.addBadge('1B09', 'TAMU\u202E-09'), 'label', /^badge label: /, /^--label: /);
    refusedInput(() => visits.incident('O2', 'n'.repeat(1001)), 'note', /^incident note: .*at most 1000/, /^--note: .*at most 1000/);
    refusedInput(() => visits.incident('O2', 'kabel\u001b]0;owned\u0007'), 'note', /^incident note: /, /^--note: /);
    refusedInput(() => visits.setDoorMode('disabled', 'O1', 'r\u0000'), 'reason', /^reason: /, /^--reason: /);

    const v = visits.request(base);
    visits.check(v.id, 'O2');
    refusedInput(() => visits.deny(v.id, 'O1', 'no letter\u001b[8m'), 'reason', /^reason: /, /^--reason: /);
    refusedInput(() => visits.revoke(v.id, 'O1', 'r'.repeat(501)), 'reason', /^reason: .*at most 500/, /^--reason: .*at most 500/);
    visits.approve(v.id, 'O1');
    visits.issue(v.id, 'TAMU-01', 'O2', { rulesAcknowledged: true });
    refusedInput(() => visits.checkout(v.id, 'O2', [{ description: 'HDD', serial: 'WD\u202E1' }]), 'devicesOut.serial', /^serial of a device carried out: /, /^--device-out serial: /);
    refusedInput(() => visits.checklist(v.id, 'O2', [{ item: 'UPS\u001b', status: 'ok', note: null }]), 'checklist.item', /^checklist item: /, /^--item: /);
    refusedInput(() => visits.checklist(v.id, 'O2', [{ item: 'UPS', status: 'ok', note: 'x'.repeat(501) }]), 'checklist.note', /^checklist item note: /, /^--item note: /);
    const out = visits.checkout(v.id, 'O2', []);
    refusedInput(() => visits.report(out.id, 'O2', 'ok\u2066'), 'note', /^report note: /, /^--note: /);
  });

  it('says what is wrong in domain words, naming the input as a field, never a CLI flag; the CLI names its flag', () => {
    refusedInput(() => visits.addOfficer(' ', 'staff', '0A09'), 'name', /^officer name must not be empty$/, /^--name must not be empty$/);
    refusedInput(() => visits.addOfficer('Siti', 'boss', '0A09'), 'role', /^role "boss" must be one of staff, coordinator, head$/, /^--role "boss" must be one of/);
    refusedInput(() => visits.addOfficer('Siti', 'staff', 'xyz'), 'badge', /^officer badge UID "xyz" must be 4-32 hexadecimal characters.*: character 1 is not a hex digit$/, /^--badge "xyz" must be 4-32 hexadecimal/);
    refusedInput(() => visits.addBadge('1B0', 'TAMU-09'), 'uid', /^badge UID "1B0" must be 4-32 hexadecimal characters, whole bytes.*odd number/, /^--uid "1B0" must be/);
    refusedInput(() => visits.addBadge('1B09', ' '), 'label', /^badge label must not be empty$/, /^--label must not be empty$/);
    refusedInput(() => visits.request({ ...base, name: ' ' }), 'name', /^visitor name must not be empty$/, /^--name must not be empty$/);
    refusedInput(() => visits.request({ ...base, org: '' }), 'org', /^institution must not be empty$/, /^--org must not be empty$/);
    refusedInput(() => visits.request({ ...base, nik: '123' }), 'nik', /^NIK must be exactly 16 digits/, /^--nik: NIK must be exactly 16 digits/);
    refusedInput(() => visits.request({ ...base, plannedMinutes: 0 }), 'plannedMinutes', /^planned duration must be a whole number of minutes/, /^--duration must be a whole number of minutes between 1 and 1440$/);
    refusedInput(() => visits.request({ ...base, ktpUid: '04A1B2C3D4E5F6ZZ' }), 'ktpUid', /^KTP chip UID must be 4-32 hexadecimal characters.*character 15 is not a hex digit$/, /^--ktp-uid must be/);
    expect(() => visits.request({ ...base, ktpUid: '04A1B2C3D4E5F6ZZ' })).not.toThrow(/04A1B2C3/); // personal data: not repeated
    refusedInput(() => visits.request({ ...base, by: 'O9' }), 'by', /^no officer with id "O9"$/, /^--by: no officer with id "O9"$/);
    refusedInput(() => visits.incident('O9', 'kabel'), 'by', /^no officer with id "O9"$/, /^--by: no officer with id "O9"$/);
    refusedInput(() => visits.setOfficerActive('O7', false, 'O1'), 'officer', /^no officer with id "O7"$/, /^no officer with id "O7"$/);
    refusedInput(() => visits.request({ ...base, kind: 'maintenance' }), 'disposition', /^a maintenance visit needs its disposition: who ordered it, its reference and its date$/, /^a maintenance visit needs its disposition/);
    refusedInput(() => visits.check('V-1', 'O2'), 'visit', /^no visit with id "V-1"$/, /no visit with id "V-1"/);
    refusedInput(() => visits.issue('V-1', 'TAMU-99', 'O2', { rulesAcknowledged: true }), 'badge', /^no such badge "TAMU-99": no visitor badge in the pool has that label or UID$/,
      /^--badge: no such badge "TAMU-99": .*\(see pintu badge list; add one with pintu badge add --uid UID --label L\)$/);
    // A refusal by a rule carries its field for a console, and the CLI prints it as it is (no flag: it is not about the typing).
    refusedInput(() => visits.addOfficer('Lain', 'staff', '0a01'), 'badge', /^badge 0A01 already belongs to another officer$/, /^badge 0A01 already belongs to another officer$/);
    refusedInput(() => visits.setDoorMode('disabled', 'O2'), 'by', /^officer O2 is staff; only a coordinator or head may disable the door$/, /^officer O2 is staff/);
    expect(() => visits.setDoorMode('disabled', 'O2')).toThrow(Refused);
    expect(() => visits.check('V-1', 'O2')).toThrow(NotFound);
    // A flag the command does not have is not named (e.g. the badge of `badge retire <badge>` is an argument).
    let e: unknown = null;
    try { visits.retireBadge('TAMU-99', 'O1'); } catch (x) { e = x; }
    expect(cliMessage(e as UserError, (flag) => flag === '--by')).toMatch(/^no such badge "TAMU-99": /);
  });

  it('says "no such badge" for a label or UID that is not in the pool, not a hex-format error', () => {
    const v = visits.request(base);
    visits.check(v.id, 'O2');
    visits.approve(v.id, 'O1');
    for (const b of ['TAMU-99', '1B99']) {
      refused(() => visits.issue(v.id, b, 'O2', { rulesAcknowledged: true }), new RegExp(`^no such badge "${b}": no visitor badge in the pool has that label or UID`));
      expect(() => visits.issue(v.id, b, 'O2', { rulesAcknowledged: true })).not.toThrow(/hexadecimal/);
    }
  });

  it('refuses the same bad input in a signed command from the centre (command.failed, nothing else changes)', () => {
    const centre = loadOrCreateKeyPair(dir, 'central.key');
    const sealKey = loadOrCreateSealKey(join(dir, 'seal.key'));
    const handler = new CommandHandler(store, new LinkState(store.db, 'd1'), visits,
      { site: 's1', door: 'd1', centralKey: centre.publicKey, now: () => now, sealKey }, pino({ level: 'silent' }));
    let counter = 0;
    // A pre-registration's personal fields travel sealed to the door's key (issue 14), as the centre's sender seals them.
    const send = (action: 'preregister' | 'approve' | 'deny', args: Record<string, unknown>) => {
      const id = `cmd-${String(++counter).padStart(6, '0')}`;
      return handler.handle(Buffer.from(JSON.stringify(signBody(centre.privateKey, 'commands', 's1', 'd1', {
        v: 1, id, counter, issuedAt: new Date(now).toISOString(), expiresAt: new Date(now + 3_600_000).toISOString(), action, args: wireArgs('s1', 'd1', id, action, args, sealKey.publicKeyText),
      }))));
    };
    const r1 = send('preregister', { ...base, name: 'Budi\u001b[31m' });
    expect(r1).toMatchObject({ ok: false, error: expect.stringMatching(/^visitor name: contains a control character/) });
    const v = visits.request(base);
    visits.check(v.id, 'O2');
    const r2 = send('approve', { visit: v.id, by: 'O1', until: '2027-02-30T10:00:00+07:00' });
    expect(r2).toMatchObject({ ok: false, error: expect.stringMatching(/until: .*not a real date/) });
    const r3 = send('deny', { visit: v.id, by: 'O1', reason: 'no\u202Eletter' });
    expect(r3).toMatchObject({ ok: false, error: expect.stringMatching(/^reason: contains a control character/) });
    const r5 = send('deny', { visit: v.id, by: 'O9', reason: 'no letter' });
    expect(r5).toMatchObject({ ok: false, error: 'no officer with id "O9"' });
    const r6 = send('preregister', { ...base, org: ' ' });
    expect(r6).toMatchObject({ ok: false, error: 'institution must not be empty' });
    // What the centre gets (reply and command.failed event) speaks the domain, never a CLI flag.
    const failed = store.events.since(0).filter((e) => e.type === 'command.failed').map((e) => String(e.data.error));
    expect(failed.length).toBe(5);
    for (const error of [...failed, r1.error, r2.error, r3.error, r5.error, r6.error]) expect(error).not.toMatch(/--/);
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

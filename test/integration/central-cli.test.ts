/**
 * The central office end to end, driven only through the built CLI, as a central-office operator and a door installer
 * would: a real Mosquitto (password file, the shipped ACL), `pintu central run` and two `pintu run` daemons as
 * children, door 1 reading two real serial readers (socat pty pairs, EM4100 frames). Enrolment by the printed public
 * keys, a visit through the SOP with taps at the door, the centre's views (doors, events, visits, monthly report),
 * signed remote decisions with their replies, retention of acknowledged events at the door, and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startMosquitto, pintuAcl, type TestBroker } from '../helpers/mosquitto.js';
import { startPtyPair, type PtyPair } from '../helpers/socat.js';
import { pintu, pintuJson, pintuSpawn, until } from '../helpers/cli.js';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';
import { encodeEm4100Frame } from '../../src/adapters/serial/em4100.js';

const SITE = 'dinas-kominfo';
const SITE_B = 'kanwil-b';
const DOOR = 'dc-1';
const DOOR_B = 'dc-2';
const USERS = { 'pintu-central': 'central-pw', [`${SITE}.${DOOR}`]: 'door1-pw', [`${SITE_B}.${DOOR_B}`]: 'door2-pw' };

const HEAD = '0A00000001';
const COORD = '0A00000002';
const STAFF = '0A00000003';
const TAMU = '1B00000001';
const STRANGER = '0C0C0C0C0C';

/** A line of `… events --json`. */
type EventLine = { site?: string; door: string; seq: number; type: string; at: string } & Record<string, unknown>;

let broker: TestBroker;
let ptys: PtyPair[] = [];
let fds: number[] = [];
let centreDir: string;
let centreYaml: string;
let door1: TempConfig;
let door2: TempConfig;
let centreKey: string;
const children: ChildProcess[] = [];
const outputs = new Map<ChildProcess, () => string>();
let centre: ChildProcess;
let daemon1: ChildProcess;

/** Start a CLI child, collect its output, resolve once `ready` appears in it. */
async function start(configFile: string, args: string[], ready: string): Promise<ChildProcess> {
  const child = pintuSpawn(configFile, args);
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  outputs.set(child, () => out);
  await until(() => out.includes(ready) || child.exitCode !== null, `pintu ${args.join(' ')} to be ready`, 20_000)
    .catch((err: Error) => { throw new Error(`${err.message}; its output:\n${out}`); });
  if (child.exitCode !== null) throw new Error(`pintu ${args.join(' ')} exited ${child.exitCode}:\n${out}`);
  return child;
}

/** SIGTERM a child (by pid) and wait for its exit code. */
async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  return new Promise((resolve) => { child.once('exit', (code) => resolve(code)); process.kill(child.pid!, 'SIGTERM'); });
}

/** Parse one-JSON-object-per-line output. */
function lines(stdout: string): EventLine[] {
  return stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as EventLine);
}

/** Run a CLI command and expect exit 0. */
function ok(configFile: string, args: string[]): string {
  const r = pintu(configFile, args);
  if (r.code !== 0) throw new Error(`pintu ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** The door's own event log (door CLI). */
const doorEvents = (tc: TempConfig): EventLine[] => lines(ok(tc.file, ['events', '--json']));
/** The centre's events (central CLI) with extra filters. */
const centreEvents = (...filters: string[]): EventLine[] => lines(ok(centreYaml, ['central', 'events', '--json', ...filters]));

/** Present a card at door 1's in (0) or out (1) reader. */
function tap(reader: 0 | 1, uid: string): void {
  writeSync(fds[reader]!, encodeEm4100Frame(uid));
}

/** Wait until the door has logged an event matching `pred` (after seq `since`). */
function waitEvent(tc: TempConfig, since: number, what: string, pred: (e: EventLine) => boolean): Promise<EventLine> {
  return until(() => lines(ok(tc.file, ['events', '--since', String(since), '--json'])).find(pred), what, 10_000, 50);
}

/** Door status (door CLI). */
type Status = { central: string; backlog: number; lastSeq: number; daemon: string };
const status = (tc: TempConfig): Status => pintuJson<Status>(tc.file, ['status']);

/** Wait until the door is linked and the centre has acknowledged every event; returns the door's status. */
function settled(tc: TempConfig, timeoutMs = 15_000): Promise<Status> {
  return until(() => { const s = status(tc); return s.central === 'connected' && s.backlog === 0 ? s : null; }, `door ${tc.config.door.id}: connected, backlog 0`, timeoutMs, 100);
}

/** The current month in the centre's time zone (Asia/Jakarta by default), YYYY-MM. */
function currentMonth(): string {
  const p = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Jakarta', year: 'numeric', month: '2-digit' }).formatToParts(new Date());
  return `${p.find((x) => x.type === 'year')!.value}-${p.find((x) => x.type === 'month')!.value}`;
}

beforeAll(async () => {
  broker = await startMosquitto({ users: USERS, acl: pintuAcl([{ site: SITE, door: DOOR }, { site: SITE_B, door: DOOR_B }]) });
  ptys = [await startPtyPair(), await startPtyPair()];
  centreDir = mkdtempSync(join(tmpdir(), 'pintu-centre-cli-'));
  centreYaml = join(centreDir, 'central.yaml');
  writeFileSync(centreYaml, stringify({
    broker: { url: broker.url, username: 'pintu-central', password: 'central-pw' },
    store: join(centreDir, 'store', 'central.db'), dataDir: join(centreDir, 'data'), log: { level: 'info' },
  }));
  centreKey = pintuJson<{ publicKey: string }>(centreYaml, ['central', 'keys', 'show']).publicKey;
  const central = { url: broker.url, publicKey: centreKey, ackTimeoutSeconds: 1, batchSize: 50 };
  door1 = tempConfig({
    site: SITE,
    door: { id: DOOR, strikeSeconds: 1, heldOpenSeconds: 2, repeatTapSeconds: 0 },
    readers: [
      { id: 'in', direction: 'in', kind: 'serial', path: ptys[0]!.a, baudRate: 9600 },
      { id: 'out', direction: 'out', kind: 'serial', path: ptys[1]!.a, baudRate: 9600 },
    ],
    log: { level: 'info' },
    central: { ...central, username: `${SITE}.${DOOR}`, password: 'door1-pw' },
  });
  door2 = tempConfig({
    site: SITE_B,
    door: { id: DOOR_B, strikeSeconds: 1, heldOpenSeconds: 2, repeatTapSeconds: 0 },
    log: { level: 'info' },
    central: { ...central, username: `${SITE_B}.${DOOR_B}`, password: 'door2-pw' },
  });
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid) { try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ } }
  await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => c.once('exit', r)))));
  for (const fd of fds) closeSync(fd);
  for (const p of ptys) await p.stop();
  await broker?.cleanup();
  door1?.cleanup();
  door2?.cleanup();
  if (centreDir) rmSync(centreDir, { recursive: true, force: true });
});

describe('the central office through the CLI', () => {
  it('enrols doors by their printed keys; with the receiver and the daemons running, pintu status shows the link connected and backlog 0, central doors shows them online', async () => {
    const k1 = pintuJson<{ site: string; door: string; publicKey: string }>(door1.file, ['keys', 'show']);
    const k2 = pintuJson<{ site: string; door: string; publicKey: string }>(door2.file, ['keys', 'show']);
    expect(k1).toMatchObject({ site: SITE, door: DOOR });
    expect(k1.publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(k2.publicKey).not.toBe(k1.publicKey);
    expect(k1.publicKey).not.toBe(centreKey);
    expect(pintuJson(centreYaml, ['central', 'enroll', '--site', SITE, '--door', DOOR, '--key', k1.publicKey])).toEqual({ site: SITE, door: DOOR, enrolled: true });
    expect(ok(centreYaml, ['central', 'enroll', '--site', SITE_B, '--door', DOOR_B, '--key', k2.publicKey])).toContain(`door ${SITE_B}/${DOOR_B} enrolled`);
    expect(pintuJson<unknown[]>(centreYaml, ['central', 'doors']).map((d) => (d as { state: string }).state)).toEqual(['unknown', 'unknown']);

    fds = ptys.map((p) => openSync(p.b, 'w'));
    [centre, daemon1] = await Promise.all([
      start(centreYaml, ['central', 'run'], '"receiving"'), start(door1.file, ['run'], 'pintu ready'), start(door2.file, ['run'], 'pintu ready'),
    ]);

    // Officers and badges registered at the door while the daemon runs.
    expect(pintuJson(door1.file, ['officer', 'add', '--name', 'Siti Rahma', '--role', 'head', '--badge', HEAD])).toMatchObject({ id: 'O1', role: 'head' });
    expect(pintuJson(door1.file, ['officer', 'add', '--name', 'Andi Wijaya', '--role', 'coordinator', '--badge', COORD])).toMatchObject({ id: 'O2' });
    expect(pintuJson(door1.file, ['officer', 'add', '--name', 'Dewi Lestari', '--role', 'staff', '--badge', STAFF])).toMatchObject({ id: 'O3' });
    expect(pintuJson(door1.file, ['badge', 'add', '--uid', TAMU, '--label', 'TAMU-01'])).toMatchObject({ label: 'TAMU-01' });
    pintuJson(door2.file, ['officer', 'add', '--name', 'Rudi Hartono', '--role', 'head', '--badge', '0A000000B1']);

    const s1 = await settled(door1);
    expect(s1).toMatchObject({ daemon: 'running', central: 'connected', backlog: 0 });
    expect(s1.lastSeq).toBeGreaterThan(0);
    const s2 = await settled(door2);
    // central doors: both online, last seq stored = the door's last seq, no backlog.
    type DoorRow = { site: string; door: string; state: string; lastSeq: number; backlog: number | null; lastSeenAt: string | null };
    const rows = await until(() => {
      const r = pintuJson<DoorRow[]>(centreYaml, ['central', 'doors']);
      const a = r.find((d) => d.door === DOOR);
      const b = r.find((d) => d.door === DOOR_B);
      return a?.state === 'online' && b?.state === 'online' && a.lastSeq === status(door1).lastSeq && b.lastSeq === s2.lastSeq ? r : null;
    }, 'both doors online at the centre with their last seq', 10_000, 100);
    expect(rows.map((d) => [d.site, d.door, d.state])).toEqual([[SITE, DOOR, 'online'], [SITE_B, DOOR_B, 'online']]);
    for (const d of rows) {
      expect(d.backlog === null || d.backlog === 0).toBe(true);
      expect(Date.now() - Date.parse(d.lastSeenAt!)).toBeLessThan(30_000);
    }
    const human = ok(centreYaml, ['central', 'doors']);
    expect(human).toMatch(new RegExp(`${SITE}/${DOOR}\\s+online\\s+last seq ${rows[0]!.lastSeq}\\b`));
  }, 60_000);

  it('a visit through the SOP with taps at the door reaches the centre: events one JSON object per line, seqs 1..N in order, filters by type, door and site; central visits lists it', async () => {
    const d = door1.file;
    const visitId = pintuJson<{ id: string }>(d, ['visit', 'request', '--name', 'Budi Santoso', '--nik', testNik(1), '--org', 'PT Jaringan Nusantara',
      '--purpose', 'replace disk', '--device', 'Laptop Lenovo T14:PF-2XK9A1', '--ktp-uid', '04A1B2C3D4E5F6', '--by', 'O3']).id;
    expect(visitId).toMatch(/^V-\d{8}-\d{3}$/);
    pintuJson(d, ['visit', 'check', visitId, '--by', 'O2']);
    pintuJson(d, ['visit', 'approve', visitId, '--by', 'O1']);
    expect(pintuJson(d, ['visit', 'issue', visitId, '--badge', 'TAMU-01', '--by', 'O3'])).toMatchObject({ state: 'issued' });

    // At the door (frames on one reader arrive in order): a stranger's card is refused; the staff officer taps in and
    // the visitor follows within the escort window; then both tap out, the visitor first.
    const since = status(door1).lastSeq;
    tap(0, STRANGER);
    tap(0, STAFF);
    tap(0, TAMU);
    const granted = await waitEvent(door1, since, 'the visitor in', (e) => e.type === 'access.granted' && e.visit === visitId);
    expect(granted).toMatchObject({ holder: 'visitor', direction: 'in', escort: 'O3', reader: 'in' });
    tap(1, TAMU);
    tap(1, STAFF);
    await waitEvent(door1, granted.seq, 'the officer out', (e) => e.type === 'access.granted' && e.officer === 'O3' && e.direction === 'out');
    const taps = lines(ok(door1.file, ['events', '--since', String(since), '--type', 'access.', '--json']));
    expect(taps.map((e) => [e.type, e.reader, e.holder ?? e.reason, e.officer ?? e.visit ?? null])).toEqual([
      ['access.denied', 'in', 'unknown-badge', null], ['access.granted', 'in', 'officer', 'O3'], ['access.granted', 'in', 'visitor', visitId],
      ['access.granted', 'out', 'visitor', visitId], ['access.granted', 'out', 'officer', 'O3'],
    ]);

    expect(pintuJson(d, ['visit', 'checkout', visitId, '--by', 'O3', '--device-out', 'Laptop Lenovo T14:PF-2XK9A1'])).toMatchObject({ state: 'checked_out', deviceMismatch: null });
    pintuJson(d, ['visit', 'report', visitId, '--by', 'O2']);
    expect(pintuJson(d, ['visit', 'archive', visitId, '--by', 'O3'])).toMatchObject({ state: 'archived' });

    await settled(door1);
    // The centre holds exactly the door's log: same seqs 1..N in order, same type, time and fields, plus the site.
    const own = doorEvents(door1);
    const got = await until(() => { const g = centreEvents('--door', DOOR); return g.length === own.length ? g : null; }, 'the centre to hold every event of door 1', 10_000, 100);
    expect(own.map((e) => e.seq)).toEqual(own.map((_, i) => i + 1));
    expect(got.map((e) => e.seq)).toEqual(own.map((e) => e.seq));
    for (const e of got) {
      expect(e).toMatchObject({ site: SITE, door: DOOR });
      expect(typeof e.type).toBe('string');
      expect(new Date(e.at).toISOString()).toBe(e.at);
    }
    expect(got.map(({ site: _site, ...rest }) => rest)).toEqual(own);
    const visitor = got.find((e) => e.type === 'access.granted' && e.visit === visitId && e.direction === 'in');
    expect(visitor).toMatchObject({ holder: 'visitor', escort: 'O3', badge: TAMU });
    // No personal data leaves the door: no name, NIK or KTP UID in anything the centre holds.
    const all = ok(centreYaml, ['central', 'events', '--json']);
    for (const secret of ['Budi Santoso', testNik(1), '04A1B2C3D4E5F6', STRANGER, 'Siti Rahma']) expect(all).not.toContain(secret);

    // --type is a prefix: visit.* only, and the visit's whole SOP in order.
    const visitEvents = centreEvents('--type', 'visit.');
    expect(visitEvents.length).toBeGreaterThan(0);
    expect(visitEvents.every((e) => e.type.startsWith('visit.'))).toBe(true);
    expect(visitEvents.filter((e) => e.visit === visitId).map((e) => e.type))
      .toEqual(['visit.requested', 'visit.checked', 'visit.approved', 'visit.checked_out', 'visit.reported', 'visit.archived']);
    expect(centreEvents('--type', 'access.denied').map((e) => [e.door, e.reason])).toEqual([[DOOR, 'unknown-badge']]);
    // --door and --site pick one door; the other door's events are there too.
    const b = centreEvents('--door', DOOR_B);
    expect(b.length).toBeGreaterThan(0);
    expect(b.every((e) => e.site === SITE_B && e.door === DOOR_B)).toBe(true);
    expect(b.map((e) => e.seq)).toEqual(b.map((_, i) => i + 1));
    expect(centreEvents('--site', SITE_B)).toEqual(b);
    expect(centreEvents().length).toBe(got.length + b.length);
    // --from / --to bound by time; --limit caps.
    const granted2 = got.find((e) => e.seq === granted.seq)!;
    expect(centreEvents('--door', DOOR, '--from', granted2.at).map((e) => e.seq)).toEqual(got.filter((e) => e.at >= granted2.at).map((e) => e.seq));
    expect(centreEvents('--door', DOOR, '--to', granted2.at).every((e) => e.at < granted2.at)).toBe(true);
    expect(centreEvents('--door', DOOR, '--limit', '3').map((e) => e.seq)).toEqual([1, 2, 3]);
    // Without --json: one human line per event.
    const human = ok(centreYaml, ['central', 'events', '--door', DOOR, '--type', 'access.granted']).trim().split('\n');
    expect(human).toHaveLength(got.filter((e) => e.type === 'access.granted').length);
    expect(human[0]).toContain(`${SITE}/${DOOR}`);

    const visits = pintuJson<{ site: string; door: string; visit: string; state: string; org: string | null; purpose: string | null }[]>(centreYaml, ['central', 'visits']);
    expect(visits).toContainEqual(expect.objectContaining({ site: SITE, door: DOOR, visit: visitId, state: 'archived', org: 'PT Jaringan Nusantara', purpose: 'replace disk' }));
    expect(ok(centreYaml, ['central', 'visits'])).toContain(`${SITE}/${DOOR} ${visitId} archived`);
  }, 60_000);

  it('remote decisions (preregister, approve, deny, revoke) reach the door, its pintu visit show reflects them, and the signed reply comes back', () => {
    const c = centreYaml;
    const at = ['--site', SITE, '--door', DOOR];
    type Sent = { command: string; counter: number; expiresAt: string; reply: { ok: boolean; visit?: string; state?: string; error?: string; action?: string } | null };
    const pre = pintuJson<Sent>(c, ['central', 'preregister', ...at, '--name', 'Rina Kusuma', '--nik', testNik(2), '--org', 'PT Awan Data',
      '--purpose', 'install rack', '--letter', 'HD-2041', '--duration', '90', '--device', 'Switch Cisco:FOC1234X']);
    expect(pre.reply).toMatchObject({ ok: true, action: 'preregister', state: 'requested' });
    expect(pre.counter).toBeGreaterThan(0);
    expect(Date.parse(pre.expiresAt) - Date.now()).toBeGreaterThan(3500_000);
    const v2 = pre.reply!.visit!;
    expect(pintuJson(door1.file, ['visit', 'show', v2])).toMatchObject({
      id: v2, state: 'requested', purpose: 'install rack', plannedMinutes: 90, letterRef: 'HD-2041',
      visitor: expect.objectContaining({ name: 'Rina Kusuma', nik: testNik(2), org: 'PT Awan Data' }),
      devicesIn: [{ description: 'Switch Cisco', serial: 'FOC1234X' }],
    });
    pintuJson(door1.file, ['visit', 'check', v2, '--by', 'O2']);

    const until2h = new Date(Date.now() + 2 * 3600_000).toISOString();
    const appr = pintuJson<Sent>(c, ['central', 'approve', ...at, '--visit', v2, '--by', 'O1', '--until', until2h]);
    expect(appr.reply).toMatchObject({ ok: true, action: 'approve', visit: v2, state: 'approved' });
    expect(appr.counter).toBe(pre.counter + 1);
    const shown = pintuJson<{ state: string; validUntil: number; by: Record<string, string> }>(door1.file, ['visit', 'show', v2]);
    expect(shown.state).toBe('approved');
    expect(shown.validUntil).toBe(Date.parse(until2h));
    expect(shown.by.decided).toBe('O1');
    expect(ok(door1.file, ['visit', 'show', v2])).toMatch(/approved/);

    // A decision the visit rules refuse (staff may not approve): the door's refusal comes back and the CLI exits 2.
    const refused = pintu(c, ['central', 'approve', ...at, '--visit', v2, '--by', 'O3']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/refused by the door: .*O3 is staff/);
    expect(pintuJson(door1.file, ['visit', 'show', v2])).toMatchObject({ state: 'approved' });

    const rev = ok(c, ['central', 'revoke', ...at, '--visit', v2, '--by', 'O1', '--reason', 'letter withdrawn']);
    expect(rev.trim()).toBe(`done: visit ${v2} is revoked`);
    expect(pintuJson(door1.file, ['visit', 'show', v2])).toMatchObject({ state: 'revoked', revokeReason: 'letter withdrawn' });

    const v3 = pintuJson<Sent>(c, ['central', 'preregister', ...at, '--name', 'Joko Susilo', '--nik', testNik(3), '--org', 'CV Maju', '--purpose', 'survey']).reply!.visit!;
    const deny = pintuJson<Sent>(c, ['central', 'deny', ...at, '--visit', v3, '--by', 'O1', '--reason', 'no request letter']);
    expect(deny.reply).toMatchObject({ ok: true, action: 'deny', visit: v3, state: 'denied' });
    expect(pintuJson(door1.file, ['visit', 'show', v3])).toMatchObject({ state: 'denied', denyReason: 'no request letter' });

    // A door that is not enrolled: refused at the centre, nothing sent.
    const unknown = pintu(c, ['central', 'deny', '--site', SITE, '--door', 'nowhere', '--visit', v3, '--by', 'O1', '--reason', 'x']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('not enrolled');
    // --wait 0: sent without waiting, the CLI says so.
    const noWait = pintuJson<Sent>(c, ['central', 'revoke', ...at, '--visit', v3, '--by', 'O1', '--reason', 'already denied', '--wait', '0']);
    expect(noWait.reply).toBeNull();
  }, 60_000);

  it('the door records each command and the centre receives those records; central visits shows the remote outcomes', async () => {
    await settled(door1);
    // Seven commands reached the door (the one for a door not enrolled was never sent), the last without waiting.
    const cmds = await until(() => { const e = centreEvents('--door', DOOR, '--type', 'command.'); return e.length >= 7 ? e : null; }, 'the command events at the centre', 10_000, 100);
    expect(cmds.map((e) => [e.type, e.action])).toEqual([
      ['command.executed', 'preregister'], ['command.executed', 'approve'], ['command.failed', 'approve'],
      ['command.executed', 'revoke'], ['command.executed', 'preregister'], ['command.executed', 'deny'], ['command.failed', 'revoke'],
    ]);
    expect(cmds[6]!.error).toMatch(/is denied; it cannot be revoked/);
    const counters = cmds.map((e) => e.counter as number);
    expect(counters).toEqual([...counters].sort((a, b) => a - b));
    expect(new Set(counters).size).toBe(counters.length);
    const visits = pintuJson<{ visit: string; state: string; org: string | null }[]>(centreYaml, ['central', 'visits', '--door', DOOR]);
    expect(visits.map((v) => [v.org, v.state]).sort()).toEqual([['CV Maju', 'denied'], ['PT Awan Data', 'revoked'], ['PT Jaringan Nusantara', 'archived']]);
    expect(pintuJson<{ org: string }[]>(centreYaml, ['central', 'visits', '--state', 'revoked']).map((v) => v.org)).toEqual(['PT Awan Data']);
    expect(pintuJson<unknown[]>(centreYaml, ['central', 'alerts'])).toEqual([]);
  }, 30_000);

  it('central report --month (current month) counts the visitor, requests, denials and refused taps, and gives each SOP step time against its standard', () => {
    const month = currentMonth();
    type Step = { count: number; avgSeconds: number; maxSeconds: number; standardSeconds: number; overStandard: number };
    type Report = { month: string; from: string; to: string; doors: { site: string; door: string; visitors: number; requests: number; visitsDenied: number; deniedAttempts: Record<string, number>; forced: number; held: number; steps: Record<string, Step> }[] };
    const r = pintuJson<Report>(centreYaml, ['central', 'report', '--month', month]);
    expect(r.month).toBe(month);
    // Month bounds in the office time zone (Asia/Jakarta, UTC+7): local midnight of the 1st.
    expect(r.from).toMatch(/T17:00:00\.000Z$/);
    expect(Date.parse(r.from)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(r.to)).toBeGreaterThan(Date.now());
    const d1 = r.doors.find((d) => d.door === DOOR)!;
    expect(d1).toMatchObject({ site: SITE, visitors: 1, requests: 3, visitsDenied: 1, deniedAttempts: { 'unknown-badge': 1 }, forced: 0, held: 0 });
    // Step counts: check (visit 1 and 2), decide (approve 1, approve 2, deny 3), and one each of the rest for visit 1;
    // the time the visitor spent inside is measured against its 15-minute standard too.
    const counts = Object.fromEntries(Object.entries(d1.steps).map(([k, s]) => [k, s.count]));
    expect(counts).toEqual({ check: 2, decide: 3, issue: 1, inside: 1, checkout: 1, report: 1, archive: 1 });
    const standards = Object.fromEntries(Object.entries(d1.steps).map(([k, s]) => [k, s.standardSeconds]));
    expect(standards).toEqual({ check: 300, decide: 300, issue: 300, inside: 900, checkout: 300, report: 600, archive: 660 });
    for (const [k, s] of Object.entries(d1.steps)) {
      expect(s.overStandard, k).toBe(0);
      expect(s.maxSeconds, k).toBeGreaterThanOrEqual(s.avgSeconds);
      expect(s.maxSeconds, k).toBeLessThan(120); // everything here happened within the test
    }
    expect(r.doors.find((d) => d.door === DOOR_B)).toMatchObject({ site: SITE_B, visitors: 0, requests: 0, steps: {} });

    const human = ok(centreYaml, ['central', 'report', '--month', month]);
    expect(human).toContain(`report ${month}`);
    expect(human).toContain(`${SITE}/${DOOR}: 1 visitor(s), 3 request(s), 1 denied visit(s), 0 forced, 0 held open`);
    expect(human).toContain('refused taps: unknown-badge 1');
    expect(human).toMatch(/step decide: 3×, avg \d+s, max \d+s, standard 300s, over 0/);
    // Another month holds nothing.
    expect(pintuJson<Report>(centreYaml, ['central', 'report', '--month', '2001-01']).doors).toEqual([]);
  }, 30_000);

  it('retention: with central.retainAckedDays set, acknowledged events past it are deleted at the door at start; unacknowledged ones stay and still reach the centre', async () => {
    await settled(door1);
    expect(await stop(daemon1)).toBe(0);
    // Stopping flushed the backlog (daemon.stopped included) while the centre was up.
    const acked = pintuJson<Status>(door1.file, ['status']);
    expect(acked.backlog).toBe(0);
    expect(await stop(centre)).toBe(0);
    // With the centre down, the door logs more events: these are never acknowledged until it is back.
    const i1 = pintuJson<{ id: unknown }>(door1.file, ['incident', '--by', 'O3', '--note', 'cable tray left open']).id;
    const i2 = pintuJson<{ id: unknown }>(door1.file, ['incident', '--by', 'O1', '--note', 'checked the tray']).id;
    expect(status(door1).backlog).toBe(2);
    const before = doorEvents(door1);
    expect(before.map((e) => e.seq)).toEqual(before.map((_, i) => i + 1));
    // Keep acknowledged events for 1 second (the unit is days; fractions are allowed), and let it pass.
    const raw = parse(readFileSync(door1.file, 'utf8')) as { central: Record<string, unknown> };
    raw.central.retainAckedDays = 1 / 86_400;
    writeFileSync(door1.file, stringify(raw));
    expect(pintu(door1.file, ['config', 'check']).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1_100));

    daemon1 = await start(door1.file, ['run'], 'pintu ready');
    const out = outputs.get(daemon1)!;
    await until(() => out().includes('acknowledged events past retention deleted'), 'the pruning at start', 10_000, 50)
      .catch((err: Error) => { throw new Error(`${err.message}; its output:\n${out()}`); });
    const after = doorEvents(door1);
    // Every acknowledged event (all older than 1 s) is gone; the unacknowledged ones and the new start-up events stay.
    expect(after[0]!.seq).toBe(acked.lastSeq + 1);
    expect(after.map((e) => e.seq)).toEqual(after.map((_, i) => acked.lastSeq + 1 + i));
    expect(after.slice(0, 2).map((e) => [e.type, e.incident, e.officer])).toEqual([['incident.recorded', i1, 'O3'], ['incident.recorded', i2, 'O1']]);
    expect(after.slice(0, 2)).toEqual(before.slice(-2));
    expect(JSON.parse(out().split('\n').find((l) => l.includes('past retention deleted'))!)).toMatchObject({ deleted: acked.lastSeq });
    // The log goes on from the kept anchor: seq and the door's status are unaffected.
    const s = status(door1);
    expect(s.lastSeq).toBe(after.at(-1)!.seq);
    expect(s.backlog).toBe(s.lastSeq - acked.lastSeq);

    // The centre back: the kept events arrive, chained onto what it already holds (no gap, no chain alert).
    centre = await start(centreYaml, ['central', 'run'], '"receiving"');
    const s2 = await settled(door1);
    const got = await until(() => { const g = centreEvents('--door', DOOR); return g.length === s2.lastSeq ? g : null; }, 'every event at the centre', 10_000, 100);
    expect(got.map((e) => e.seq)).toEqual(got.map((_, i) => i + 1));
    expect(got.filter((e) => e.type === 'incident.recorded').map((e) => [e.incident, e.officer])).toEqual([[i1, 'O3'], [i2, 'O1']]);
    expect(got.slice(acked.lastSeq, acked.lastSeq + 2).map((e) => e.type)).toEqual(['incident.recorded', 'incident.recorded']);
    expect(pintuJson<{ kind: string }[]>(centreYaml, ['central', 'alerts']).filter((a) => a.kind !== 'offline')).toEqual([]);
  }, 60_000);

  it('bad input exits 2 with a message naming the option, and changes nothing', () => {
    const doorsBefore = ok(centreYaml, ['central', 'doors', '--json']);
    const badKey = pintu(centreYaml, ['central', 'enroll', '--site', SITE, '--door', 'dc-9', '--key', 'not-a-key']);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain('--key');
    expect(ok(centreYaml, ['central', 'doors', '--json'])).toBe(doorsBefore);

    const month = pintu(centreYaml, ['central', 'report', '--month', '2026-13']);
    expect(month.code).toBe(2);
    expect(month.stderr).toContain('--month');
    expect(month.stdout).toBe('');
    const since = pintu(centreYaml, ['central', 'events', '--since', 'x']);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since');
    expect(since.stdout).toBe('');
    const from = pintu(centreYaml, ['central', 'events', '--from', 'x']);
    expect(from.code).toBe(2);
    expect(from.stderr).toContain('--from');
    const limit = pintu(centreYaml, ['central', 'events', '--limit', 'lots']);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('--limit');
  }, 30_000);
});

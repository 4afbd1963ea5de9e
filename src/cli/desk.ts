/**
 * `pintu desk`: the officer at the desk reader. Prompts "tap the KTP", "tap a badge to issue", "tap the returned
 * badge", driven by real taps on the desk reader (a typed UID or badge label works too, e.g. with a sim reader).
 */
import { Command } from 'commander';
import { createInterface, type Interface } from 'node:readline';
import { createLogger } from '../adapters/log/pino.js';
import { createReader, readerExtras } from '../adapters/readers.js';
import type { CardReader, RawTap } from '../ports/hardware.js';
import { deskTapUnproven } from '../domain/badge-proof.js';
import type { VisitService } from '../app/visit-service.js';
import { DeskCloneAlarms } from '../app/desk-clone-alarm.js';
import { parseDevice, typedUid } from './input.js';
import { UserError } from '../domain/errors.js';
import { isRandomUid } from '../domain/uid.js';
import { formatTime } from '../domain/time.js';
import type { Device } from '../domain/types.js';
import type { ServerRoomRules } from '../domain/rules.js';
import type { Store } from '../adapters/sqlite/store.js';
import { openStore, visitService, watchlistService } from '../main.js';
import type { WatchlistService, WatchlistMatch } from '../app/watchlist-service.js';
import { action, configOf } from './context.js';
import { describeVisit } from './visit.js';

/** Input from the keyboard and the desk reader, whichever comes first. */
class DeskInput {
  private lines: string[] = [];
  private taps: Array<Pick<RawTap, 'uid' | 'proof'>> = [];
  private waiter: (() => void) | null = null;
  private closed = false;

  /** `unproven`: whether a tap shows an enrolled secure badge's UID without proving its key (a suspected copy). */
  constructor(private readonly rl: Interface, private readonly unproven: (tap: Pick<RawTap, 'uid' | 'proof'>) => boolean = () => false) {
    rl.on('line', (l) => { this.lines.push(l); this.wake(); });
    rl.on('close', () => { this.closed = true; this.wake(); });
  }

  /** A tap from the reader. */
  tap(tap: Pick<RawTap, 'uid' | 'proof'>): void { this.taps.push({ uid: tap.uid, ...(tap.proof ? { proof: tap.proof } : {}) }); this.wake(); }

  /** Ask a question; resolves with the typed answer (null at end of input). */
  async ask(q: string): Promise<string | null> {
    process.stdout.write(q);
    this.taps = [];
    for (;;) {
      const l = this.lines.shift();
      if (l !== undefined) return l.trim();
      if (this.closed) return null;
      await this.wait();
    }
  }

  /** Wait for a card: a tap, or a typed UID/label. Returns { uid } for a tap, { typed } for typing, null at end. */
  async card(q: string): Promise<{ uid: string } | { typed: string } | null> {
    process.stdout.write(q);
    this.taps = [];
    for (;;) {
      const tap = this.taps.shift();
      if (tap !== undefined) {
        const t = tap.uid;
        process.stdout.write(`[card ${t.length} hex digits read]\n`);
        if (isRandomUid(t)) process.stdout.write(`${RANDOM_UID_TEXT}\n`);
        // A suspected copy of an enrolled secure badge is no card for any step: nothing is issued, returned or linked.
        if (this.unproven(tap)) throw new UserError(UNPROVEN_TEXT);
        return { uid: t };
      }
      const l = this.lines.shift();
      if (l !== undefined && l.trim()) return { typed: l.trim() };
      if (this.closed) return null;
      await this.wait();
    }
  }

  private wait(): Promise<void> { return new Promise((r) => { this.waiter = r; }); }
  private wake(): void { const w = this.waiter; this.waiter = null; w?.(); }
}

/** What the desk says when a card answers a random UID (ISO 14443-3, 4 bytes from 0x08): it names no card. */
export const RANDOM_UID_TEXT = '  ! this card gives a random UID; record the KTP manually (ISO 14443, 4 bytes starting 08: it changes at every tap, so it can neither link a KTP nor be a badge)';

/** What the desk says when a card shows an enrolled secure badge's UID but did not prove its key (issue 15). */
export const UNPROVEN_TEXT = 'this card shows the UID of an enrolled secure badge but did not prove its key: a suspected copy. The visit and the badge are unchanged; an alarm was raised. Keep the card and tell the head.';

const MENU = `
  1  new visitor   (tap the KTP, fill in the form)
  2  issue a badge (approved visit → tap a badge to issue; the KTP is kept)
  3  return        (tap the returned badge → devices carried out → KTP back)
  4  find by KTP   (tap a KTP: which visit holds it)
  q  quit`;

/** Register `pintu desk`. */
export function deskCommand(program: Command): void {
  program.command('desk')
    .description('the officer at the desk reader: KTP intake, badge issue and return, driven by taps')
    .requiredOption('--by <officer>', 'officer at the desk (e.g. O3)')
    .option('--reader <id>', 'desk reader id from the config (default: the first reader with direction desk)')
    .action(action(async function (this: Command, o: { by: string; reader?: string }) {
      const config = configOf(this);
      const rc = config.readers.find((r) => (o.reader ? r.id === o.reader : r.direction === 'desk'));
      if (!rc) throw new UserError(o.reader ? `--reader: no reader "${o.reader}" in the config` : 'no reader with direction: desk in the config');
      const store = openStore(config);
      const visits = visitService(config, store);
      const officer = store.officer(o.by.toUpperCase());
      if (!officer) { store.db.close(); throw new UserError(`--by: no officer with id "${o.by}"`); }
      const rl = createInterface({ input: process.stdin, terminal: false });
      // A desk reader that proves cards (secure: ntag424) lets an enrolled badge count only with its proof, as the door does.
      const deskSecure = rc.secure !== false;
      // A suspected copy is refused and raises alarm.desk_clone_suspected (once per card in a few seconds), as the console does.
      const clones = new DeskCloneAlarms(store, () => store.clock.now());
      const input = new DeskInput(rl, (t) => {
        if (!deskTapUnproven({ enrolled: store.secureBadge(t.uid), proof: t.proof, deskSecure })) return false;
        try { clones.raise(rc.id, t.uid, t.proof); } catch (err) { process.stderr.write(`desk: recording the suspected copy failed (${(err as Error).name})\n`); }
        return true;
      });
      const deskLog = createLogger('warn', 2);
      const reader: CardReader = await createReader(rc, deskLog, readerExtras(config.badges, [rc], deskLog));
      try {
        await reader.start((t) => input.tap(t), (err) => process.stderr.write(`desk reader: ${err.message}\n`));
        process.stdout.write(`desk reader "${rc.id}" ready (${rc.kind}); officer ${officer.id} (${officer.role})\n`);
        await deskLoop(input, visits, watchlistService(config, store), store, officer.id, config.visits.timeZone, config.privacy.notice, config.visits.rules, deskSecure);
      } finally {
        await reader.stop();
        rl.close();
        store.db.close();
      }
    }));
}

/** The warning a watchlist match prints at the desk (the head is alerted by the alarm; the SOP decides, not the list). */
export function watchlistWarning(m: WatchlistMatch, tz: string): string {
  return `  WARNING watchlist: the holder of this KTP is on the watchlist (entry ${m.entry.id}, NIK ${m.entry.nikMasked}, until ${formatTime(m.entry.until, tz)}): ${m.entry.reason}. `
    + 'The head has been alerted; this does not deny the visit by itself: follow the SOP.';
}

async function deskLoop(input: DeskInput, visits: VisitService, watchlist: WatchlistService, store: Store, by: string, tz: string, notice: string, rules: ServerRoomRules, deskSecure: boolean): Promise<void> {
  const say = (s: string): void => void process.stdout.write(s + '\n');
  /** A KTP read at the desk: checked against the watchlist through the visits it was recorded for (offline, by keyed hashes). */
  const checkKtp = (uid: string): void => {
    const m = isRandomUid(uid) ? null : watchlist.ktpTapped(uid, by);
    if (m) say(watchlistWarning(m, tz));
  };
  for (;;) {
    say(MENU);
    const choice = await input.ask('choice> ');
    if (choice === null || choice === 'q') return;
    try {
      if (choice === '1') await intake(input, visits, by, notice, say, checkKtp, (nik) => { const e = watchlist.matchNik(nik); if (e) say(`  WARNING watchlist: this NIK is on the watchlist (entry ${e.id}, until ${formatTime(e.until, tz)}): ${e.reason}. The head has been alerted; follow the SOP.`); });
      else if (choice === '2') await issue(input, visits, by, rules, say);
      else if (choice === '3') await giveBack(input, visits, store, by, say, deskSecure);
      else if (choice === '4') {
        const c = await input.card('tap the KTP on the desk reader (or type its UID): ');
        if (!c) return;
        const uid = 'uid' in c ? c.uid : c.typed;
        const v = visits.visitByKtp(uid);
        say(v ? describeVisit(v, tz) : 'no visit holds this KTP');
        checkKtp(uid);
      } else say(`unknown choice "${choice}"`);
    } catch (err) {
      say(`  ! ${(err as Error).message}`);
    }
  }
}

async function intake(input: DeskInput, visits: VisitService, by: string, notice: string, say: (s: string) => void, checkKtp: (uid: string) => void, checkNik: (nik: string) => void): Promise<void> {
  const ktp = await input.card("tap the visitor's KTP on the desk reader (or type its UID, '-' if the chip cannot be read): ");
  if (!ktp) return;
  const read = 'uid' in ktp ? ktp.uid : ktp.typed === '-' ? null : typedUid(ktp.typed, 'KTP UID');
  // A random UID is never kept as the KTP's chip: the KTP is recorded by hand (name, NIK) and held, without a chip link.
  const ktpUid = read !== null && isRandomUid(read) ? null : read;
  if (read !== null && ktpUid === null) say('  the KTP is recorded manually: type the name and NIK from the card (no chip link)');
  if (ktpUid !== null) checkKtp(ktpUid);
  // UU PDP: the visitor is told what is recorded and why before giving it (privacy.notice, as pintu visit request does).
  say(`Pemberitahuan pelindungan data pribadi (sampaikan kepada pengunjung):\n${notice}`);
  const ask = async (q: string): Promise<string> => (await input.ask(q)) ?? '';
  const name = await ask('name: ');
  const nik = await ask('NIK (16 digits): ');
  const org = await ask('institution: ');
  const phone = await ask('phone (optional): ');
  const purpose = await ask('purpose: ');
  const duration = Number((await ask('planned minutes [60]: ')) || 60);
  const devices: Device[] = [];
  for (;;) {
    const d = await ask('device brought in as description:serial (empty line when done): ');
    if (!d) break;
    try { devices.push(parseDevice(d)); } catch (err) { say(`  ! ${(err as Error).message}`); }
  }
  const letterRef = await ask('request letter / ticket ref (optional): ');
  const v = visits.request({ name, nik, org, phone: phone || null, purpose, plannedMinutes: duration, devices, letterRef: letterRef || null, ktpUid, by });
  say(`visit ${v.id} requested — next: coordinator checks (pintu visit check ${v.id} --by …), head approves`);
  checkNik(nik);
}

async function issue(input: DeskInput, visits: VisitService, by: string, rules: ServerRoomRules, say: (s: string) => void): Promise<void> {
  const id = await input.ask('visit id: ');
  if (!id) return;
  const v = visits.visit(id);
  if (v.state !== 'approved' && v.state !== 'issued') throw new UserError(`visit ${v.id} is ${v.state}; a badge is issued only to an approved visit`);
  const c = await input.card('tap a special badge to issue (or type its UID or label): ');
  if (!c) return;
  if ('uid' in c && isRandomUid(c.uid)) throw new UserError('this card gives a random UID: it is no special badge of the pool; tap a badge from the pool');
  say(`server-room rules (version ${rules.version}), read them to the visitor:\n${rules.text.map((l, i) => `  ${i + 1}. ${l}`).join('\n')}`);
  const ack = await input.ask(`the visitor acknowledged these server-room rules (version ${rules.version})? [y/N] `);
  if (ack?.toLowerCase() !== 'y') throw new UserError('the badge is issued only once the visitor acknowledged the server-room rules: nothing was issued');
  const r = visits.issue(v.id, 'uid' in c ? c.uid : c.typed, by, { rulesAcknowledged: true });
  say(`badge issued to visit ${r.id}; keep the KTP at the desk. The visitor wears the badge visibly and enters with an escort.`);
}

async function giveBack(input: DeskInput, visits: VisitService, store: Store, by: string, say: (s: string) => void, deskSecure: boolean): Promise<void> {
  const c = await input.card('tap the returned badge (or type its UID or label): ');
  if (!c) return;
  const badge = visits.findBadge('uid' in c ? c.uid : c.typed);
  // A desk reader that proves cards takes an enrolled secure badge back only from the card itself: a typed label would
  // check nothing, and the card handed over may be a copy of its UID (the genuine badge kept).
  if (deskSecure && 'typed' in c && store.secureBadge(badge.uid)) {
    throw new UserError(`badge ${badge.label} is a secure badge: tap the returned card on the desk reader (it must prove its key); nothing was recorded`);
  }
  if (badge.status !== 'issued' || !badge.visitId) throw new UserError(`badge ${badge.label} is ${badge.status}, not out with a visit`);
  const v = visits.visit(badge.visitId);
  say(`visit ${v.id}: devices brought in: ${v.devicesIn.map((d) => `${d.description} [${d.serial}]`).join('; ') || 'none'}`);
  const devicesOut: Device[] = [];
  const first = await input.ask("devices carried out: 'same' if exactly those, otherwise description:serial per line, empty line when done: ");
  if (first === 'same') devicesOut.push(...v.devicesIn);
  else {
    let line = first;
    while (line) {
      try { devicesOut.push(parseDevice(line, 'device')); } catch (err) { say(`  ! ${(err as Error).message}`); }
      line = await input.ask('next device (empty line when done): ');
    }
  }
  const before = store.events.lastSeq();
  const done = visits.checkout(v.id, by, devicesOut);
  const mismatch = store.events.since(before).find((e) => e.type === 'visit.device_mismatch');
  if (mismatch) say(`  WARNING device mismatch — not carried out: ${JSON.stringify(mismatch.data.notCarriedOut)}; not brought in: ${JSON.stringify(mismatch.data.notBroughtIn)}. A head acknowledges it (with a note for the incident book) before the KTP goes back.`);
  say(done.ktpHeld
    ? `visit ${done.id} checked out; badge ${badge.label} back in the pool. KEEP the KTP until a head acknowledges the device mismatch (visit ack-mismatch).`
    : `visit ${done.id} checked out; badge ${badge.label} back in the pool. Return the KTP to the visitor.`);
}

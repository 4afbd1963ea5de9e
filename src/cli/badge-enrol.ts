/**
 * `pintu badge enroll` and `pintu badge retire` (issue 15, docs/badges.md): secure badges written on the PC/SC desk
 * reader. Enrolment gives a factory NTAG 424 DNA card (or a badge holding an older site key: the way badges move to a
 * rotated key) the key diversified from the site's current badge master key, then records it; retiring an enrolled
 * badge puts its factory key back by tap (`--card-lost`: without the card, which then opens nothing, being enrolled
 * nowhere). The database is opened only around each check and record, never while waiting for the card.
 */
import type { Command } from 'commander';
import { NotFound, UserError } from '../domain/errors.js';
import type { Config, ReaderConfig } from '../config/schema.js';
import type { BadgeWriter } from '../ports/hardware.js';
import { createLogger } from '../adapters/log/pino.js';
import { BadgeEnrolment, NOT_RECORDED, type EnrolTarget } from '../app/badge-enrolment.js';
import type { VisitService } from '../app/visit-service.js';
import type { DoorStore } from '../main.js';
import { badgeKeySource } from '../adapters/readers.js';
import { Answers } from './answers.js';
import { action, configOf, globals, intOption, out, withServices } from './context.js';

/** What the desk says while it writes badges (officer-facing; the SOP's terms: "tempelkan kartu"). */
export const ENROL_TEXT = {
  /** Waiting for the card to enrol. */
  tapToEnrol: 'Tempelkan kartu pada pembaca meja… (tap the card on the desk reader to enrol it)',
  /** Waiting for the card to reset. */
  tapToReset: 'Tempelkan kartu pada pembaca meja… (tap the card on the desk reader to reset it)',
  /** A card could not be read: the officer presents it again (the wait goes on). */
  again: (why: string) => `  ! ${why}`,
} as const;

/** Default wait for the card, seconds. */
const DEFAULT_TIMEOUT_S = 60;

/** The BadgeEnrolment over one command's store. */
function enrolment(s: { store: DoorStore; visits: VisitService }): BadgeEnrolment {
  return new BadgeEnrolment(s.store, s.visits, { now: () => s.store.clock.now() });
}

/** The desk reader to write badges on: --reader, else the first reader with direction desk; it must be PC/SC. */
function deskReader(config: Config, id: string | undefined): ReaderConfig {
  const rc = config.readers.find((r) => (id ? r.id === id : r.direction === 'desk'));
  if (!rc) throw new UserError(id ? `--reader: no reader "${id}" in the config` : 'no reader with direction: desk in the config: badges are written on the PC/SC desk reader');
  if (rc.kind !== 'pcsc') throw new UserError(`reader "${rc.id}" is a ${rc.kind} reader: secure badges are written on a PC/SC desk reader (kind: pcsc)`);
  return rc;
}

/** Open the desk reader as a badge writer (the key file checked first: no keys, no wait for a card). */
async function openWriter(config: Config, rc: ReaderConfig): Promise<BadgeWriter> {
  const log = createLogger('warn', 2);
  // Loaded only here: `pintu badge list` never loads the card protocol.
  const { PcscBadgeWriter } = await import('../adapters/pcsc/badge-writer.js');
  return PcscBadgeWriter.open(rc, badgeKeySource(config.badges, log), log, {
    cardTimeoutMs: config.badges.cardTimeoutMs,
    onError: (err) => process.stderr.write(ENROL_TEXT.again(err.message) + '\n'),
  });
}

/**
 * What went wrong with the card presented (no card in time, taken away mid-way, a card the protocol refuses, a copy):
 * the officer's to act on, so a UserError (exit 2, nothing recorded). Reader and pcscd outages fail at open, not here.
 */
function asCardRefusal(err: unknown): never {
  if (err instanceof UserError) throw err;
  throw new UserError((err as Error).message);
}

/** Ask for the card: on stdout, or on stderr with --json (stdout then holds only the result). */
function prompt(cmd: Command, text: string): void {
  (globals(cmd).json ? process.stderr : process.stdout).write(`${text}\n`);
}

/** The head named by --by, after their PIN (checked and counted toward the lock); null without --by. */
async function headBy(cmd: Command, by: string | undefined): Promise<string | null> {
  if (by === undefined) return null;
  const head = by.trim().toUpperCase();
  const pin = await new Answers().pin(`PIN of head ${head}`);
  return withServices(cmd, ({ officers }) => officers.requirePin(head, pin, `the PIN of officer ${head}`).id);
}

/** Register `badge enroll` and `badge retire` on the `badge` command group. */
export function badgeEnrolCommands(badge: Command): void {
  badge.command('enroll')
    .description('give a secure badge (NTAG 424 DNA) the site key on the PC/SC desk reader and record it: a pool badge (--label; added to the pool when new) or an officer\'s own badge (--officer, by a head: --by HEAD and that head\'s PIN; a new card replaces the officer\'s former badge). A badge holding an older key version is re-keyed.')
    .option('--label <label>', 'label printed on a pool badge, e.g. TAMU-07')
    .option('--officer <id>', "the officer whose own badge this is")
    .option('--by <officer>', 'head enrolling (asked for their PIN); required with --officer')
    .option('--reader <id>', 'desk reader id from the config (default: the first reader with direction desk)')
    .option('--timeout <seconds>', 'how long to wait for the card', String(DEFAULT_TIMEOUT_S))
    .action(action(async function (this: Command, o: { label?: string; officer?: string; by?: string; reader?: string; timeout: string }) {
      if ((o.label === undefined) === (o.officer === undefined)) throw new UserError('give exactly one of --label LABEL (a pool badge) or --officer ID (an officer\'s own badge)');
      const target: EnrolTarget = o.label !== undefined ? { holder: 'pool', label: o.label } : { holder: 'officer', officer: o.officer! };
      const timeoutMs = intOption(o.timeout, '--timeout') * 1000;
      const config = configOf(this);
      const rc = deskReader(config, o.reader);
      // Everything that can be checked before the card is touched: the head and their PIN, the label or the officer.
      if (target.holder === 'officer' && o.by === undefined) throw new UserError("--by HEAD is required with --officer: an officer's badge is enrolled by a head, who gives their PIN");
      withServices(this, (s) => enrolment(s).checkTarget(target, o.by ?? null));
      const by = await headBy(this, o.by);
      const writer = await openWriter(config, rc);
      let card;
      try {
        prompt(this, ENROL_TEXT.tapToEnrol);
        card = await writer.enroll({ timeoutMs, accept: (uid) => withServices(this, (s) => enrolment(s).cardCheck(target, uid)) }).catch(asCardRefusal);
      } finally {
        await writer.close();
      }
      let r;
      try {
        r = withServices(this, (s) => enrolment(s).record(target, card, by));
      } catch (err) {
        throw new Error(NOT_RECORDED(card.keyVersion, (err as Error).message));
      }
      const was = r.previousKeyVersion === 0 ? 'factory key' : `key version ${r.previousKeyVersion}`;
      const whose = r.holder === 'pool' ? `badge ${r.label}${r.added ? ' (added to the pool)' : ''}`
        : `the badge of officer ${r.officer}${r.replacedBadge ? ` (it replaces card ${r.replacedBadge}, which no longer opens the door)` : ''}`;
      out(this, r, () => `${whose} (${r.uid}) enrolled: it holds site key version ${r.keyVersion} (was: ${was})`);
    }));

  badge.command('retire <badge>')
    .description('take a badge (UID or label) out of the pool; a secure (enrolled) badge is reset to its factory key by a tap on the desk reader, or with --card-lost retired without it (enrolled nowhere, the card opens nothing)')
    .requiredOption('--by <officer>', 'officer')
    .option('--card-lost', 'the enrolled card is gone: retire it without the tap')
    .option('--reader <id>', 'desk reader id from the config (default: the first reader with direction desk)')
    .option('--timeout <seconds>', 'how long to wait for the card', String(DEFAULT_TIMEOUT_S))
    .action(action(async function (this: Command, id: string, o: { by: string; cardLost?: boolean; reader?: string; timeout: string }) {
      const timeoutMs = intOption(o.timeout, '--timeout') * 1000;
      const { badge: b, enrolled } = withServices(this, (s) => enrolment(s).enrolmentOf(id));
      let reset: { uid: string; previousKeyVersion: number } | null = null;
      if (enrolled && !o.cardLost) {
        // Who retires it is checked before the card is reset (the record after the tap would refuse an unknown officer).
        withServices(this, ({ store }) => { if (!store.officer(o.by.trim().toUpperCase())) throw new NotFound('officer', `no officer with id "${o.by}"`, { field: 'by' }); });
        if (b.status === 'issued') throw new UserError(`badge ${b.label} is issued to visit ${b.visitId}; check the visit out first`);
        const config = configOf(this);
        const writer = await openWriter(config, deskReader(config, o.reader));
        try {
          prompt(this, ENROL_TEXT.tapToReset);
          reset = await writer.reset({
            timeoutMs,
            accept: (uid) => { if (uid !== b.uid) throw new UserError(`this card (${uid}) is not badge ${b.label} (${b.uid}): present badge ${b.label}`); },
          }).catch(asCardRefusal);
        } finally {
          await writer.close();
        }
      }
      let r;
      try {
        r = withServices(this, (s) => enrolment(s).retire(b.uid, o.by, reset));
      } catch (err) {
        if (!reset) throw err;
        throw new Error(`the card was reset to its factory key but the badge was NOT retired: ${(err as Error).message}; retire it with pintu badge retire ${b.label} --card-lost`);
      }
      const how = reset ? ' (card reset to its factory key)' : enrolled ? ' (card not reset: it is enrolled nowhere and opens nothing)' : '';
      out(this, { ...r, status: 'retired', reset: reset !== null }, () => `badge ${r.label} retired${how}`);
    }));
}

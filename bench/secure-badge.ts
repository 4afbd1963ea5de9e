/**
 * `npm run bench`, secure badges (issue 15; alone: `BENCH_ONLY=secure-badge npm run bench`): tap → relay of an
 * authenticated PC/SC tap beside an EM4100 tap, measured in the same run on the same door.
 *
 * The door is a real `pintu run` like the others (production unit environment, central link on, fake GPIO binding),
 * with a third reader: `kind: pcsc, secure: ntag424` on a private pcscd with the vsmartcard-vpcd driver, where virtual
 * NTAG 424 DNA cards (test/helpers/ntag424-card.ts, the card side written apart from pintu's reader side) are presented.
 * Officers' badges are NTAG 424 DNA cards enrolled with the site's key (version 1, AN10922-diversified per card); other
 * officers carry EM4100 badges, tapped on the serial "in" reader (a socat pty) in between, alternately.
 *
 * A PC/SC tap is timed from the card's power-up by the reader (pcscd noticed the card: vpcd's presence poll, which a
 * real reader's interrupt does not have, is left out and printed apart) to the relay; an EM4100 tap from its frame's
 * last byte to the relay, as in the rest of the bench. The authentication's own share is the door's proof time minus
 * the time spent waiting for the card's answers (`RawTap.proofTiming`: totalMs − transportMs, from the reader's debug
 * line "card proved"; the door runs at log level debug for it, both readers alike).
 * BENCH_SECURE_TAPS (200 of each kind), BENCH_SECURE_CARDS (20 badges, taken in turn).
 */
import { badgeKeyring, createBadgeKeyFile, readBadgeKeyFile } from '../src/adapters/os/badge-key-file.js';
import { badgeKey } from '../src/adapters/pcsc/ntag424/crypto.js';
import { VirtualNtag424 } from '../test/helpers/ntag424-card.js';
import { startPcscTestEnv, type PcscTestEnv, type VirtualCard } from '../test/helpers/pcsc.js';
import { ms, pct } from './table.js';
import { BenchDoor, PEOPLE, officerBadge, type Centre, type DoorSize, type TapResult } from './door-world.js';

/** Taps of each kind. */
const TAPS = Number(process.env.BENCH_SECURE_TAPS ?? 200);
/** Secure badges taken in turn (more than the repeat-tap window holds). */
const CARDS = Number(process.env.BENCH_SECURE_CARDS ?? 20);
/** The friendly name of the bench's vpcd reader (the door's `path`). */
const VPCD_NAME = 'Pintu Bench VPCD';
/** The goal of a secure tap on this machine class: p99 tap → relay. */
export const SECURE_GOAL_MS = 300;
/** The EM4100 goal of the rest of the bench (idle door): p99 frame → relay. */
export const EM4100_GOAL_MS = 5;

/** How a row is printed (the bench's table). */
export type RowFn = (figure: string, measured: string, goal: string, pass: boolean | null) => void;

const sleep = (ms_: number): Promise<void> => new Promise((r) => setTimeout(r, ms_));

/** The 7-byte UID of secure badge i (1-based). */
export const secureBadgeUid = (i: number): string => `04B0${i.toString(16).toUpperCase().padStart(10, '0')}`;

/** The door id of this part (the centre must know it before it starts). */
export const secureDoorId = (size: DoorSize): string => `${size.id}-secure`;

/** p50 / p99 / max of a list, as the tables print it. */
const triple = (xs: number[]): string => `${ms(pct(xs, 50))} / ${ms(pct(xs, 99))} / ${ms(Math.max(...xs))}`;

/** Present a virtual card on the PC/SC reader and time it to the relay; the card is taken away after. */
async function secureTap(door: BenchDoor, env: PcscTestEnv, card: VirtualNtag424, timeoutMs: number): Promise<{ r: TapResult; inserted: number | null }> {
  const opts = card.vpcdOptions();
  let powered: bigint | null = null;
  const mark = door.mark();
  const insertedAt = process.hrtime.bigint();
  let vc: VirtualCard | null = null;
  try {
    vc = await env.insertCard({ ...opts, onPowerUp: () => { powered ??= process.hrtime.bigint(); opts.onPowerUp?.(); } });
    const r = await door.result(mark, () => powered, timeoutMs);
    const on = r.relayMs !== null && powered !== null ? r.relayMs + Number(powered - insertedAt) / 1e6 : null;
    return { r, inserted: on };
  } finally {
    await vc?.remove();
  }
}

/**
 * The secure-badge part: its own door (`size`, with the PC/SC reader), `TAPS` PC/SC taps and `TAPS` EM4100 taps
 * alternately, officers entering (a grant each), and the rows of the table.
 */
export async function secureBadgeFigures(size: DoorSize, centre: Centre, row: RowFn): Promise<void> {
  let door: BenchDoor | null = null;
  let env: PcscTestEnv | null = null;
  try {
    let master: Buffer | null = null;
    // The door is seeded, started and drained to the centre before pcscd starts (its PC/SC reader waits and retries
    // meanwhile): pcscd is one per machine, and the tests that use it wait for it, so it runs only for the taps.
    door = await BenchDoor.start({ ...size, id: secureDoorId(size) }, centre, {
      readers: [{ id: 'badge', direction: 'in', kind: 'pcsc', path: VPCD_NAME, secure: 'ntag424' }],
      badges: (dir) => ({ keyFile: `${dir}/keys/badge.keys` }),
      logLevel: 'debug',
      beforeSeed: (config) => {
        createBadgeKeyFile(config.badges.keyFile);
        master = badgeKeyring(readBadgeKeyFile(config.badges.keyFile)).master(1);
      },
      afterSeed: (_config, store, visits) => {
        for (let i = 1; i <= CARDS; i++) {
          visits.addOfficer(`Petugas aman ${i}`, 'staff', secureBadgeUid(i));
          store.saveSecureBadge({ uid: secureBadgeUid(i), keyVersion: 1, holder: 'officer', enrolledAt: Date.now() }, 'bench');
        }
      },
    });
    if (!master) throw new Error('the bench door has no badge master key');
    const cards = Array.from({ length: CARDS }, (_, k) => {
      const uid = secureBadgeUid(k + 1);
      return new VirtualNtag424({ uid, keys: [badgeKey(master!, Buffer.from(uid, 'hex'), 0)], keyVersions: [1] });
    });
    env = await startPcscTestEnv({ friendlyName: VPCD_NAME, lockTimeoutMs: 900_000 });
    // Authenticated taps first until one is granted: the reader found pcscd again and attached, nothing cold after.
    const end = Date.now() + 60_000;
    for (;;) {
      const warm = await secureTap(door, env, cards[0]!, 5_000);
      if (warm.r.outcome === 'grant') break;
      if (Date.now() > end) throw new Error(`no secure tap was granted within a minute (${warm.r.outcome}):\n${door.output()}`);
      await sleep(500);
    }
    const proofsBefore = door.proofs.length;
    const secure: number[] = [];
    const fromInsert: number[] = [];
    const em: number[] = [];
    const wrong: string[] = [];
    for (let i = 0; i < TAPS; i++) {
      const s = await secureTap(door, env, cards[(i + 1) % CARDS]!, 10_000);
      if (s.r.outcome === 'grant' && s.r.relayMs !== null && Number.isFinite(s.r.relayMs)) secure.push(s.r.relayMs); else wrong.push(`secure: ${s.r.outcome}`);
      if (s.inserted !== null) fromInsert.push(s.inserted);
      await sleep(5);
      const e = await door.tap(0, officerBadge(1 + (i % PEOPLE)));
      if (e.outcome === 'grant' && e.relayMs !== null) em.push(e.relayMs); else wrong.push(`em4100: ${e.outcome}`);
      await sleep(5);
    }
    const proofs = door.proofs.slice(proofsBefore).filter((p) => p.proof === 'authenticated');
    const own = proofs.map((p) => p.totalMs - p.transportMs);
    const total = proofs.map((p) => p.totalMs);
    const transport = proofs.map((p) => p.transportMs);
    const sp99 = pct(secure, 99);
    row(`secure badge (NTAG 424 DNA, AES, PC/SC via pcscd + vpcd): officer entry, card powered up → relay (${secure.length} taps)`, triple(secure),
      `p99 ≤ ${SECURE_GOAL_MS} ms`, secure.length > 0 && sp99 <= SECURE_GOAL_MS && wrong.length === 0);
    row(`EM4100 in the same run, same door, taps alternating: officer entry, frame → relay (${em.length} taps)`, triple(em), `p99 ≤ ${EM4100_GOAL_MS} ms`, em.length > 0 && pct(em, 99) <= EM4100_GOAL_MS);
    row(`secure badge: the authentication's own share (proofTiming totalMs − transportMs: crypto, parsing; ${own.length} proofs)`,
      `${triple(own)}; ${((pct(own, 50) / pct(secure, 50)) * 100).toFixed(1)} % of tap → relay at p50, ${((pct(own, 99) / sp99) * 100).toFixed(1)} % at p99`, '–', null);
    row(`secure badge: the whole proof (${proofs[0]?.apdus ?? '?'} APDUs), of which waiting for the card's answers (pcscd + vpcd + virtual card)`,
      `${triple(total)}; transport ${triple(transport)}`, '–', null);
    // Each granted tap has its proof, in order: tap → relay less the time the card's answers took is pintu's own part.
    if (proofs.length === secure.length) {
      row('secure badge: tap → relay less the card\'s answer time (pintu\'s own part: crypto, decision, commit, relay)', triple(secure.map((x, k) => x - proofs[k]!.transportMs)), '–', null);
    }
    row('secure badge: card put in the reader → relay (adds vpcd\'s presence poll, which a real reader does not have)', triple(fromInsert), '–', null);
    if (wrong.length) row('secure badge part: taps decided wrongly or lost', `${wrong.length} (${[...new Set(wrong)].slice(0, 4).join('; ')})`, 'none', false);
  } finally {
    await door?.stop();
    await env?.stop();
  }
}

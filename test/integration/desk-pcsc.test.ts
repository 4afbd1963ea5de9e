/**
 * `pintu desk` driven by real taps on a PC/SC desk reader: pcscd + vsmartcard-vpcd with virtual cards (an e-KTP-like
 * ISO 14443-4 chip and a visitor badge). KTP intake → approval → badge issue by tapping the badge → find the visit by
 * tapping the KTP again. A card answering a random UID (ISO 14443-3, 4 bytes from 0x08; issue 14, item 10) is named as such
 * by the desk: the KTP is recorded manually (no chip link kept), and it is refused as a badge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { ISO14443_4_ATR, startPcscTestEnv, type PcscTestEnv } from '../helpers/pcsc.js';
import { addOfficerCli, pintu, pintuJson, pintuSpawn, setupHead, until } from '../helpers/cli.js';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';

const KTP = '04A1B2C3D4E5F6';
const BADGE = '04B0B0B0';
/** A card answering a random UID: 4 bytes, the first 0x08 (NXP AN10927). */
const RANDOM = '08C0FFEE';

describe('pintu desk with a PC/SC reader', () => {
  let env: PcscTestEnv;
  let tc: TempConfig;
  let desk: ChildProcess | null = null;
  beforeAll(async () => {
    env = await startPcscTestEnv();
    tc = tempConfig({ readers: [{ id: 'desk', direction: 'desk', kind: 'pcsc', path: env.readerName }] });
    setupHead(tc.file, 'Head', '0A00000001');
    addOfficerCli(tc.file, 'Staff', 'staff', '0A00000003');
    pintuJson(tc.file, ['badge', 'add', '--uid', BADGE, '--label', 'TAMU-01']);
  }, 300_000); // may wait its turn for pcscd (one per machine) while another test file uses it
  afterAll(async () => {
    if (desk && desk.exitCode === null) desk.kill('SIGKILL');
    await env?.stop();
    tc?.cleanup();
  });

  it('reads the KTP and the badge from real taps', async () => {
    desk = pintuSpawn(tc.file, ['desk', '--by', 'O2']);
    let out = '';
    desk.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    desk.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    const say = (line: string): void => { desk!.stdin!.write(`${line}\n`); };
    const seen = (text: string, what: string): Promise<boolean> => until(() => out.includes(text), `${what}; desk printed:\n${out}`, 20_000);
    const tap = async (uid: string, atr?: Buffer): Promise<void> => {
      const before = out.split('hex digits read').length;
      const card = await env.insertCard({ uid, ...(atr ? { atr } : {}) });
      await until(() => out.split('hex digits read').length > before, `the desk to read card ${uid}; desk printed:\n${out}`, 20_000);
      await card.remove();
    };

    await seen('desk reader "desk" ready (pcsc)', 'the desk reader to open');
    say('1');
    await seen("tap the visitor's KTP", 'the KTP prompt');
    await tap(KTP, ISO14443_4_ATR);
    for (const line of ['Budi Santoso', testNik(8), 'PT Contoh', '', 'audit', '30', 'Laptop:SN-9', '', '']) say(line);
    await seen('requested — next', 'the visit to be requested');
    const id = /visit (V-\d{8}-\d{3}) requested/.exec(out)![1]!;
    expect(out).toContain('[card 14 hex digits read]');
    expect(out).not.toContain(KTP);

    pintuJson(tc.file, ['visit', 'check', id, '--by', 'O2']);
    pintuJson(tc.file, ['visit', 'approve', id, '--by', 'O1']);
    say('2');
    say(id);
    await seen('tap a special badge to issue', 'the badge prompt');
    await tap(BADGE);
    await seen('acknowledged these server-room rules', 'the rules to be shown');
    say('y');
    await seen(`badge issued to visit ${id}`, 'the badge to be issued');

    say('4');
    await seen('tap the KTP on the desk reader', 'the find-by-KTP prompt');
    await tap(KTP, ISO14443_4_ATR);
    await seen(`visit ${id} (visit) — issued`, 'the visit holding the KTP to be shown');
    say('q');
    const code = await new Promise<number | null>((r) => (desk!.exitCode !== null ? r(desk!.exitCode) : desk!.once('exit', (c) => r(c))));
    expect(code).toBe(0);
    expect(pintuJson(tc.file, ['visit', 'show', id])).toMatchObject({ state: 'issued', badgeUid: BADGE, ktpHeld: true });
  }, 90_000);

  it('says a card with a random UID is one: the KTP is recorded manually (no chip link), and it is no badge', async () => {
    const proc = pintuSpawn(tc.file, ['desk', '--by', 'O2']);
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    try {
      const say = (line: string): void => { proc.stdin!.write(`${line}\n`); };
      const seen = (text: string, what: string): Promise<boolean> => until(() => out.includes(text), `${what}; desk printed:\n${out}`, 20_000);
      const tapRandom = async (): Promise<void> => {
        const before = out.split('this card gives a random UID; record the KTP manually').length;
        const card = await env.insertCard({ uid: RANDOM });
        await until(() => out.split('this card gives a random UID; record the KTP manually').length > before, `the desk to name the random UID; desk printed:\n${out}`, 20_000);
        await card.remove();
      };
      await seen('desk reader "desk" ready (pcsc)', 'the desk reader to open');
      say('1');
      await seen("tap the visitor's KTP", 'the KTP prompt');
      await tapRandom();
      expect(out).toContain('[card 8 hex digits read]');
      for (const line of ['Sari Random', testNik(9), 'PT Acak', '', 'audit', '30', '', '']) say(line);
      await seen('requested — next', 'the visit to be requested without a chip link');
      const id = /visit (V-\d{8}-\d{3}) requested/.exec(out)![1]!;
      const shown = pintuJson<{ ktpHash: string | null }>(tc.file, ['visit', 'show', id]);
      expect(shown.ktpHash).toBeNull();
      expect(out).not.toContain(RANDOM);

      pintuJson(tc.file, ['visit', 'check', id, '--by', 'O2']);
      pintuJson(tc.file, ['visit', 'approve', id, '--by', 'O1']);
      say('2');
      say(id);
      await seen('tap a special badge to issue', 'the badge prompt');
      await tapRandom();
      await seen('it is no special badge of the pool', 'the random card to be refused as a badge');
      say('q');
      await new Promise<void>((r) => (proc.exitCode !== null ? r() : proc.once('exit', () => r())));
      expect(pintuJson(tc.file, ['visit', 'show', id])).toMatchObject({ state: 'approved', badgeUid: null });
      // Nor can it become a badge of the pool by its UID.
      const add = pintu(tc.file, ['badge', 'add', '--uid', RANDOM, '--label', 'TAMU-R']);
      expect(add.code).toBe(2);
      expect(add.stderr).toMatch(/this card gives a random UID/);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  }, 90_000);
});

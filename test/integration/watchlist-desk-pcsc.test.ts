/**
 * A watchlist match at a KTP tap on a real PC/SC desk reader (issue 14 item 8): pcscd + vsmartcard-vpcd with an
 * e-KTP-like virtual chip. The KTP was recorded for an earlier visit; once its holder's NIK is on the watchlist, tapping
 * it at `pintu desk` warns the officer and writes alarm.watchlist_match (where: ktp) for that visit, with no NIK or UID.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISO14443_4_ATR, startPcscTestEnv, type PcscTestEnv } from '../helpers/pcsc.js';
import { addOfficerCli, pintu, pintuJson, pintuSpawn, setupHead, TEST_PIN, until } from '../helpers/cli.js';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';

const KTP = '04A1B2C3D4E5A7';

describe('watchlist at a KTP tap on a PC/SC desk reader', () => {
  let env: PcscTestEnv;
  let tc: TempConfig;
  beforeAll(async () => {
    env = await startPcscTestEnv();
    tc = tempConfig({ readers: [{ id: 'desk', direction: 'desk', kind: 'pcsc', path: env.readerName }] });
    setupHead(tc.file, 'Head', '0A00000001');
    addOfficerCli(tc.file, 'Staff', 'staff', '0A00000003');
  }, 300_000); // may wait its turn for pcscd (one per machine) while another test file uses it
  afterAll(async () => {
    await env?.stop();
    tc?.cleanup();
  });

  it('warns the officer and raises the alarm for the visit the KTP was recorded for', async () => {
    const nik = testNik(61);
    const earlier = pintuJson<{ id: string }>(tc.file, ['visit', 'request', '--name', 'Anton Pantau', '--nik', nik, '--org', 'PT W', '--purpose', 'audit', '--ktp-uid', KTP, '--by', 'O2']).id;
    pintuJson(tc.file, ['watchlist', 'add', '--nik', nik, '--reason', 'dilarang masuk ruang server', '--until', '2030-12-31', '--by', 'O1'], `${TEST_PIN}\n`);
    const proc = pintuSpawn(tc.file, ['desk', '--by', 'O2']);
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    try {
      const seen = (text: string, what: string): Promise<boolean> => until(() => out.includes(text), `${what}; desk printed:\n${out}`, 20_000);
      await seen('desk reader "desk" ready (pcsc)', 'the desk reader to open');
      proc.stdin!.write('4\n');
      await seen('tap the KTP on the desk reader', 'the find-by-KTP prompt');
      const card = await env.insertCard({ uid: KTP, atr: ISO14443_4_ATR });
      await seen('WARNING watchlist', 'the watchlist warning');
      await card.remove();
      expect(out).toMatch(/WARNING watchlist: the holder of this KTP is on the watchlist \(entry 1, NIK \d{6}\*{6}\d{4}, until 2030-12-31 23:59:59 WIB \(\+07:00\)\): dilarang masuk ruang server/);
      expect(out).not.toContain(nik);
      expect(out).not.toContain(KTP);
      proc.stdin!.write('q\n');
      await new Promise<void>((r) => (proc.exitCode !== null ? r() : proc.once('exit', () => r())));
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    const events = pintu(tc.file, ['events', '--type', 'alarm.watchlist', '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events).toMatchObject([{ type: 'alarm.watchlist_match', visit: earlier, entry: 1, where: 'ktp', officer: 'O2' }]);
    expect(JSON.stringify(events)).not.toContain(nik);
    // The visit is not refused by the list: it is as it was.
    expect(pintuJson(tc.file, ['visit', 'show', earlier])).toMatchObject({ state: 'requested' });
  }, 90_000);
});

/**
 * `pintu clock status` through the built CLI: it runs on any machine (with or without an RTC or NTP), prints the trust
 * source and the RTC's verdict, and `pintu clock confirm` still sits beside it (issue 16 item 6).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pintu, pintuJson } from '../helpers/cli.js';
import { tempConfig, type TempConfig } from '../helpers/config.js';

const temps: TempConfig[] = [];
afterEach(() => { for (const t of temps.splice(0)) t.cleanup(); });

describe('pintu clock status', () => {
  it('prints the source, state and the RTC verdict (JSON and text); clock confirm is still a subcommand', () => {
    const tc = tempConfig();
    temps.push(tc);
    const s = pintuJson<{ source: string | null; state: string; trusted: boolean; clock: string; rtc: { trusted: boolean } | null; record: unknown }>(tc.file, ['clock', 'status']);
    expect(['ntp', 'rtc', null]).toContain(s.source);
    expect(['trusted', 'unsynced', 'rolled-back', 'jumped']).toContain(s.state);
    expect(Number.isFinite(Date.parse(s.clock))).toBe(true);
    // A fresh data dir has no trust record, so an RTC (if this machine has one) cannot vouch yet.
    expect(s.record).toBeNull();
    expect(s.rtc).toMatchObject({ trusted: false });
    const text = pintu(tc.file, ['clock', 'status']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/trust from (NTP|the RTC|nothing)/);
    expect(text.stdout).toMatch(/RTC trust record: none/);
    const help = pintu(tc.file, ['clock', '--help']);
    expect(help.stdout).toMatch(/status/);
    expect(help.stdout).toMatch(/confirm/);
  });
});

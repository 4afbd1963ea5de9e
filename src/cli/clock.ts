/**
 * `pintu clock status`: where the door's trust in its clock comes from (NTP, the RTC, or nothing), the RTC as read and
 * its trust record, and why the RTC does not vouch when it does not (docs/clock.md). For bring-up and maintenance.
 */
import { Command } from 'commander';
import { formatTime } from '../domain/time.js';
import type { ClockGuard, ClockSource } from '../app/clock.js';
import type { ClockState } from '../protocol/messages.js';
import type { RtcTrustRecord, RtcVerdict } from '../app/rtc-trust.js';
import { action, out, withServices } from './context.js';

/** The clock's status as `pintu clock status` prints it (also its --json). */
export interface ClockStatus {
  /** Trust source: ntp, rtc, or null (not trusted). */
  source: ClockSource | null;
  /** The guard's state as the centre hears it. */
  state: ClockState;
  /** Trusted now (source, not before the build date, not behind the log, no open jump). */
  trusted: boolean;
  /** The system clock (ISO). */
  clock: string;
  /** The RTC's verdict (with the RTC as read), or null without an RTC probe. */
  rtc: RtcVerdict | null;
  /** The trust record kept while NTP was synchronised, or null. */
  record: RtcTrustRecord | null;
}

/** Read the status from a store's clock guard (judges the RTC afresh). */
export function clockStatus(guard: ClockGuard): ClockStatus {
  const rtc = guard.rtcVerdict();
  return { source: guard.source(), state: guard.state(), trusted: guard.trusted(), clock: new Date(guard.raw()).toISOString(), rtc, record: guard.rtcRecord() };
}

/** The status for a maintainer, times in the site's zone with its abbreviation. */
export function formatClockStatus(s: ClockStatus, tz: string): string {
  const t = (isoOrMs: string | number): string => formatTime(typeof isoOrMs === 'number' ? isoOrMs : Date.parse(isoOrMs), tz);
  const source = s.source === 'ntp' ? 'NTP' : s.source === 'rtc' ? 'the RTC (no NTP since start)' : 'nothing (not synchronised)';
  const lines = [`clock ${t(s.clock)}: ${s.trusted ? 'trusted' : 'NOT trusted'} (state ${s.state}); trust from ${source}`];
  const r = s.rtc?.rtc ?? null;
  if (!s.rtc) lines.push('RTC: not probed');
  else if (!r) lines.push(`RTC: none (${s.rtc.trusted ? '' : s.rtc.reason})`);
  else lines.push(`RTC: ${r.device} "${r.name}" reads ${r.at === null ? 'nothing (cannot be read)' : t(r.at)}; set the system time at boot: ${r.hctosys ? 'yes' : 'no'}`);
  lines.push(s.record ? `RTC trust record: ${s.record.device} "${s.record.name}", last checked against NTP ${t(s.record.checkedAt)}` : 'RTC trust record: none (kept while NTP is synchronised and the RTC agrees)');
  if (s.rtc) lines.push(s.rtc.trusted ? `RTC vouches: ${s.rtc.detail}` : `RTC does not vouch: ${s.rtc.reason}`);
  return lines.join('\n');
}

/** Register `pintu clock status` under the `clock` command. */
export function clockStatusCommand(clock: Command): void {
  clock.command('status')
    .description('where trust in the clock comes from (NTP, the RTC, or nothing), the RTC and its trust record')
    .action(action(function (this: Command) {
      const { status, tz } = withServices(this, ({ store, config }) => ({ status: clockStatus(store.clock), tz: config.visits.timeZone }));
      out(this, status, () => formatClockStatus(status, tz));
    }));
}

/**
 * The centre's visit view reads the events issue 12 adds: a cancelled request ends in state cancelled; a head's
 * mismatch acknowledgement and an alarm's acknowledgement leave the visit's state alone and raise no alert.
 */
import { describe, expect, it } from 'vitest';
import { visitsFrom } from '../../src/central/views.js';
import { alertOf, type CentralEvent } from '../../src/central/store.js';

let seq = 0;
const ev = (type: string, data: Record<string, unknown>): CentralEvent => {
  seq += 1;
  return { site: 's1', door: 'd1', seq, type, at: new Date(Date.UTC(2026, 11, 1, 2, seq)).toISOString(), data, prevHash: '0'.repeat(64), hash: '1'.repeat(64), receivedAt: 0 };
};

describe('centre views and issue 12 events', () => {
  it('a cancelled visit is cancelled; acknowledgements change no state and raise no alert', () => {
    const a = 'V-20261201-001';
    const b = 'V-20261201-002';
    const events = [
      ev('visit.requested', { visit: a, org: 'PT X', purpose: 'p' }), ev('visit.cancelled', { visit: a, officer: 'O2', reason: 'no_show' }),
      ev('visit.requested', { visit: b, org: 'PT Y', purpose: 'p' }), ev('visit.checked_out', { visit: b, officer: 'O2', ktpReturned: false }),
      ev('visit.device_mismatch', { visit: b, officer: 'O2', notCarriedOut: [], notBroughtIn: [] }),
      ev('visit.mismatch_acknowledged', { visit: b, officer: 'O1', ktpReturned: true }), ev('alarm.acknowledged', { alarm: 5, alarmType: 'visit.device_mismatch', officer: 'O1' }),
    ];
    const states = Object.fromEntries(visitsFrom(events).map((v) => [v.visit, v.state]));
    expect(states).toEqual({ [a]: 'cancelled', [b]: 'checked_out' });
    expect(events.map((e) => alertOf(e)?.kind ?? null)).toEqual([null, null, null, null, 'visit.device_mismatch', null, null]);
  });
});

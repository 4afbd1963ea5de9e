/**
 * Review of issue 16 item 9 against the RTC bring-up checks (hardware/README.md, "Real-time clock (RTC)"): the commands
 * an installer types there read the database under /var/lib/pintu (0750, user pintu), so they run as the service user
 * (`sudo -u pintu pintu …`), as the README's other data-dir commands do; as the login user they only fail.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const HW = readFileSync(new URL('../../hardware/README.md', import.meta.url), 'utf8');

describe('hardware/README RTC checks', () => {
  it('every pintu clock status / pintu health the checks tell the installer to run is run as sudo -u pintu', () => {
    const start = HW.indexOf('Check on the Pi (part of bring-up):');
    expect(start).toBeGreaterThan(0);
    const checks = HW.slice(start, HW.indexOf('\n## ', start));
    const commands = [...checks.matchAll(/`([^`]*\bpintu (?:clock status|health)[^`]*)`/g)].map((m) => m[1]!);
    expect(commands.length).toBeGreaterThanOrEqual(3);
    for (const c of commands) expect(c).toMatch(/^sudo -u pintu pintu /);
  });
});

describe('hardware/pi-bring-up.md', () => {
  it('every pintu clock status / pintu health command in the sheet runs as sudo -u pintu', () => {
    const sheet = readFileSync(new URL('../../hardware/pi-bring-up.md', import.meta.url), 'utf8');
    const commands = [...sheet.matchAll(/`([^`]*\bpintu (?:clock status|health)[^`]*)`/g)].map((m) => m[1]!);
    expect(commands.length).toBeGreaterThanOrEqual(4);
    for (const c of commands) expect(c).toMatch(/^sudo -u pintu pintu /);
  });
});

/**
 * TEST ONLY. `PINTU_TEST_CLOCK_OFFSET_MS=<integer>` shifts `Date.now()` of this process by that many milliseconds, as
 * if the system clock had been set back or forward (fake-hwclock after a power cut, a bad NTP source). Integration
 * tests use it on child `pintu` processes to test clock faults without root or `faketime` (docs/clock.md). It is read
 * only by the CLI entry point, only together with NODE_ENV=test, says so on stderr, and is never set by the installer
 * or the systemd unit.
 */

/** The environment variable (test only). */
export const TEST_CLOCK_ENV = 'PINTU_TEST_CLOCK_OFFSET_MS';

/** Shift Date.now by the offset in `env` (only with NODE_ENV=test); returns the offset applied (0: none). Throws on a malformed value. */
export function applyTestClockOffset(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[TEST_CLOCK_ENV];
  if (text === undefined || text === '' || env.NODE_ENV !== 'test') return 0;
  if (!/^-?\d+$/.test(text)) throw new Error(`${TEST_CLOCK_ENV}="${text}" must be an integer number of milliseconds`);
  const offset = Number(text);
  const real = Date.now.bind(Date);
  Date.now = (): number => real() + offset;
  process.stderr.write(`pintu: ${TEST_CLOCK_ENV}=${offset}: test-only clock offset in effect\n`);
  return offset;
}

/**
 * The rules for an officer's console PIN (issue 12): 6–12 digits, not one digit repeated, not a straight run of
 * digits up or down (123456, 654321, 890123). Messages never repeat the PIN.
 */

/** Fewest digits in a PIN. */
export const PIN_MIN_DIGITS = 6;
/** Most digits in a PIN. */
export const PIN_MAX_DIGITS = 12;
/** Wrong PINs in a row that lock an officer out of the console. */
export const PIN_MAX_TRIES = 5;

/** Why a PIN is refused (a message that does not repeat it), or null when it is acceptable. */
export function pinProblem(pin: string): string | null {
  if (!/^[0-9]+$/.test(pin)) return 'a PIN must be digits only';
  if (pin.length < PIN_MIN_DIGITS || pin.length > PIN_MAX_DIGITS) return `a PIN must have ${PIN_MIN_DIGITS} to ${PIN_MAX_DIGITS} digits`;
  const d = [...pin].map(Number);
  if (d.every((x) => x === d[0])) return 'a PIN must not be one digit repeated';
  const steps = d.slice(1).map((x, i) => (x - d[i]! + 10) % 10);
  if (steps.every((s) => s === 1) || steps.every((s) => s === 9)) return 'a PIN must not be a straight run of digits, each one up or down from the last';
  return null;
}

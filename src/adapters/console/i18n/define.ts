/**
 * How a catalogue section is written: the Indonesian text (the source) and the English text with exactly the same
 * keys (the type refuses a missing or an extra key). Texts may hold `{name}` placeholders filled at render time.
 */

/** One section of the console's message catalogue. */
export interface Section<K extends string> {
  /** Bahasa Indonesia (default). */
  id: Record<K, string>;
  /** English. */
  en: Record<K, string>;
}

/** Define a catalogue section; English must have the same keys as Indonesian. */
export function section<const T extends Record<string, string>>(id: T, en: { [P in keyof T]: string }): Section<Extract<keyof T, string>> {
  return { id, en } as Section<Extract<keyof T, string>>;
}

/**
 * The site's badge master keys (issue 15): one AES-128 master key per key version (1–255), from which each
 * badge's own key is diversified with its UID (AN10922). Implemented by `src/adapters/os/badge-key-file.ts`.
 * Key material never leaves the keyring: not into the database, logs, backups, events or MQTT.
 */

/** The badge master keys a site holds right now, by key version. */
export interface BadgeKeyring {
  /** The key version new and re-keyed badges get (exactly one per site). */
  current: number;
  /** The 16-byte master key of a version (current, accepted or retired), or null when the site has none. */
  master(version: number): Buffer | null;
  /** Whether a badge keyed with this version still opens the door (current or accepted; retired → false). */
  accepted(version: number): boolean;
  /** Every key version the site holds (current, accepted and retired), ascending. */
  versions(): number[];
}

/** Where the door and the desk get the current keyring (re-read when the key file changes). */
export interface BadgeKeySource {
  /** The keyring as of now; throws naming the key file when no usable keyring was ever loaded. */
  keyring(): BadgeKeyring;
}

/** What `pintu health` learns of the badge key file (no key material): read by the root, judged by the checklist. */
export interface BadgeKeyFileStatus {
  /** The key file's path. */
  file: string;
  /** ok: usable; missing: no file; loose: readable by others than its owner, or owned by another user; invalid: unreadable or malformed. */
  state: 'ok' | 'missing' | 'loose' | 'invalid';
  /** The current key version (state ok), else null. */
  current: number | null;
  /** How many versions still open the door (current + accepted; state ok). */
  accepted: number;
  /** How many versions are retired (kept only to re-key or reset their badges; state ok). */
  retired: number;
  /** One line for the maintainer: what is wrong and what to do (never key bytes). */
  detail: string;
}

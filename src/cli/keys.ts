/**
 * `pintu keys show`: the door's Ed25519 public key, for enrolment at the centre (`pintu central enroll`).
 * The key pair is made on first use in the data dir (private key mode 0600, never printed).
 */
import type { Command } from 'commander';
import { DOOR_KEY_FILE, loadOrCreateKeyPair } from '../adapters/mqtt/keys.js';
import { action, configOf, out } from './context.js';

/** Register `keys show`. */
export function keysCommands(program: Command): void {
  program.command('keys')
    .description("the door's signing key (central-office link)")
    .command('show')
    .description("print the door's public key (give it to the central office for `pintu central enroll`)")
    .action(action(function (this: Command) {
      const config = configOf(this);
      const key = loadOrCreateKeyPair(config.dataDir, DOOR_KEY_FILE);
      out(this, { site: config.site, door: config.door.id, publicKey: key.publicKeyText },
        () => `${key.publicKeyText}\n(enrol at the centre: pintu central enroll --site ${config.site} --door ${config.door.id} --key ${key.publicKeyText})`);
    }));
}

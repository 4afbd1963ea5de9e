/**
 * Review of issue 9 §2/§4: a signed command's expiry is judged on the door's effective time (ClockGuard), not on the
 * raw system clock. A door whose clock was set back (fake-hwclock, a bad NTP source) otherwise accepts a command that
 * expired long ago: one an attacker on the broker held back, e.g. an approval the centre withdrew by not resending.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { CentralLink } from '../../src/adapters/mqtt/central-link.js';
import { buildCommand } from '../../src/central/commands.js';
import { publicKeyToText } from '../../src/protocol/signing.js';
import type { KeyPair } from '../../src/adapters/mqtt/keys.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { openStore, visitService } from '../../src/main.js';
import type { CentralConfig } from '../../src/config/schema.js';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';

const tcs: TempConfig[] = [];
afterEach(() => { vi.restoreAllMocks(); for (const t of tcs.splice(0)) t.cleanup(); });
const keyPair = (): KeyPair => { const { privateKey, publicKey } = generateKeyPairSync('ed25519'); return { privateKey, publicKey, publicKeyText: publicKeyToText(publicKey) }; };

describe('review: command expiry on a clock set back', () => {
  it('an expired command is rejected as expired although the raw clock is a day behind', () => {
    const tc = tempConfig();
    tcs.push(tc);
    const store = openStore(tc.config);
    try {
      const visits = visitService(tc.config, store);
      const head = visits.addOfficer('Kepala', 'head', '0A01');
      const coord = visits.addOfficer('Koordinator', 'coordinator', '0A02');
      const v = visits.request({ name: 'Budi', nik: testNik(1), org: 'PT X', purpose: 'UPS' });
      visits.check(v.id, coord.id);
      const centre = keyPair();
      const real = Date.now();
      vi.spyOn(Date, 'now').mockReturnValue(real - 86_400_000); // the door's clock is set back a day
      const link = new CentralLink({
        site: 'test-site', door: tc.config.door.id, store, key: keyPair(), visits, clock: store.clock,
        config: { url: 'mqtt://127.0.0.1:1', publicKey: centre.publicKeyText, batchSize: 100, ackTimeoutSeconds: 10, retainAckedDays: 0 } as unknown as CentralConfig,
      }, silentLogger());
      // Issued 3 minutes ago with a 1-minute lifetime: expired 2 minutes ago.
      const cmd = buildCommand(centre, 'test-site', tc.config.door.id, 1, 'approve', { visit: v.id, by: head.id }, 60, real - 180_000);
      const reply = link.commands.handle(Buffer.from(JSON.stringify(cmd)));
      expect(reply).toMatchObject({ ok: false, rejected: 'expired' });
      expect(store.visit(v.id)?.state).toBe('checked');
    } finally { store.db.close(); }
  });
});

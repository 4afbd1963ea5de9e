/**
 * The door's MQTT client does not build mqtt-packet's table of 65,536 pre-made packet-id buffers (6 MB of heap kept
 * for the daemon's life; issue 10 item 4: ≤ 80 MB after start with the central link on).
 */
import { describe, it, expect, afterEach } from 'vitest';
import mqttPacket from 'mqtt-packet';
import { tempConfig, type TempConfig } from '../helpers/config.js';
import { freePort } from '../helpers/mosquitto.js';
import { openStore, visitService } from '../../src/main.js';
import { CentralLink } from '../../src/adapters/mqtt/central-link.js';
import { CENTRAL_KEY_FILE, DOOR_KEY_FILE, loadOrCreateKeyPair } from '../../src/adapters/mqtt/keys.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import type { Store } from '../../src/adapters/sqlite/store.js';

const open: { tc: TempConfig; store: Store; link: CentralLink }[] = [];
const temps: TempConfig[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) { await o.link.stop(); o.store.db.close(); o.tc.cleanup(); }
  for (const t of temps.splice(0)) t.cleanup();
});

describe('the central link client', () => {
  it('writes packet ids without the pre-built number cache', async () => {
    const port = await freePort(); // nothing listens: the link keeps retrying in the background, as with a broker down
    const keys = tempConfig();
    temps.push(keys);
    const centre = loadOrCreateKeyPair(keys.dir, CENTRAL_KEY_FILE);
    const tc = tempConfig({ central: { url: `mqtt://127.0.0.1:${port}`, username: 'u', password: 'p', publicKey: centre.publicKeyText } });
    const store = openStore(tc.config);
    const link = new CentralLink({
      site: tc.config.site, door: tc.config.door.id, config: tc.config.central!, store, key: loadOrCreateKeyPair(tc.dir, DOOR_KEY_FILE),
      visits: visitService(tc.config, store),
    }, silentLogger());
    open.push({ tc, store, link });
    link.start();
    expect((mqttPacket.writeToStream as unknown as { cacheNumbers: boolean }).cacheNumbers).toBe(false);
  });
});

/**
 * The centre's composition root (`pintu central run`): the central store and the receiver, with their lifecycle,
 * signals and sd_notify. Each part gets only its slice of the centre's config.
 *
 *   doors ──MQTT (shared subscription)──▶ CentralReceiver ──▶ CentralStore (SQLite or PostgreSQL)
 *
 * Lifecycle: started store → receiver, stopped in reverse (the receiver stops taking messages and finishes what it
 * holds before the store closes). pintu-central.service is Type=notify: READY once the store is open and the
 * subscriptions are in place, watchdog pings only while the receiver is healthy, STOPPING at the first signal.
 * The centre drives no relay: there is nothing to make safe before the ordered stop.
 */
import type { Log } from '../ports/log.js';
import { Lifecycle } from '../app/lifecycle.js';
import { SystemdNotifier } from '../adapters/systemd/notify.js';
import { CENTRAL_KEY_FILE, loadOrCreateKeyPair } from '../adapters/mqtt/keys.js';
import type { CentralFileConfig } from './config.js';
import { openCentralStore } from './open.js';

/** Run the central receiver until SIGINT or SIGTERM, then stop in order. */
export async function runCentral(config: CentralFileConfig, log: Log): Promise<void> {
  const store = await openCentralStore(config.store);
  // mqtt and the receiver load only here, so other commands start fast.
  const { CentralReceiver } = await import('./receiver.js');
  const receiver = new CentralReceiver(store, {
    broker: config.broker, group: config.group, key: loadOrCreateKeyPair(config.dataDir, CENTRAL_KEY_FILE), offlineAfterSeconds: config.offlineAfterSeconds,
  }, log);
  const notifier = SystemdNotifier.fromEnv(process.env, log);
  const stopping = new Promise<void>((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve); });
  const parts = new Lifecycle([
    // Opened above (its start is the open); closed last.
    { name: 'store', start: () => undefined, stop: () => store.close() },
    { name: 'receiver', start: () => receiver.start(), stop: () => receiver.stop() },
  ], log);
  try {
    await parts.start();
  } catch (err) {
    notifier?.close();
    throw err;
  }
  notifier?.ready(`receiving as group ${config.group}`);
  notifier?.startWatchdog(() => receiver.healthy());
  await stopping;
  notifier?.stopping();
  notifier?.stopWatchdog();
  await parts.stop('signal');
  notifier?.close();
  log.flush();
}

/**
 * The centre's composition root (`pintu central run`): the central store and the receiver, with their lifecycle,
 * signals and sd_notify. Each part gets only its slice of the centre's config.
 *
 *   doors ──MQTT (shared subscription)──▶ CentralReceiver ──▶ CentralStore (SQLite or PostgreSQL) ──alerts──▶ WebhookDelivery ──▶ HTTPS
 *                                                 │ changes                  ▲ reads (scoped), audit
 *                                                 ▼                          │
 *                              DashboardFeed ──SSE topics──▶ DashboardServer (console.listen) ──signed commands──▶ doors
 *
 * Lifecycle: started store → receiver → webhooks → dashboard, stopped in reverse (the receiver stops taking messages and finishes what it
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
import { hostname } from 'node:os';
import { WebhookDelivery } from './webhooks.js';

/** The dashboard's base URL for the webhooks' links: `alerts.dashboardUrl`, else from `console.listen` (with the port it got when that says 0); null without a dashboard. */
export function dashboardUrlOf(config: Pick<CentralFileConfig, 'alerts' | 'console'>, port: number | null = null): string | null {
  if (config.alerts.dashboardUrl) return config.alerts.dashboardUrl;
  if (!config.console.enabled) return null;
  const m = /^(.*):(\d+)$/.exec(config.console.listen);
  if (!m) return null;
  const host = ['0.0.0.0', '[::]', '::'].includes(m[1]!) ? hostname() : m[1]!;
  return `${config.console.tls ? 'https' : 'http'}://${host}:${port ?? m[2]}`;
}

import { catchUpSummaries, summaryStatus } from './summaries.js';
import { centreDashboard } from './dashboard-wiring.js';

/** Run the central receiver until SIGINT or SIGTERM, then stop in order. */
export async function runCentral(config: CentralFileConfig, log: Log): Promise<void> {
  const store = await openCentralStore(config.store, { timeZone: config.timeZone });
  // mqtt and the receiver load only here, so other commands start fast.
  const { CentralReceiver } = await import('./receiver.js');
  const key = loadOrCreateKeyPair(config.dataDir, CENTRAL_KEY_FILE);
  const receiver = new CentralReceiver(store, {
    broker: config.broker, group: config.group, key, offlineAfterSeconds: config.offlineAfterSeconds,
  }, log);
  const dashboard = config.console.enabled ? await centreDashboard({ store, receiver, key, config: config.console, timeZone: config.timeZone }, log) : null;
  // Alert webhooks read the alerts table on their own; the receiver only kicks them (it never waits for a delivery).
  const webhooks = new WebhookDelivery(store.sql, config.alerts.webhooks, log.child({ component: 'webhooks' }),
    { dashboardUrl: () => dashboardUrlOf(config, dashboard?.port ?? null), timeoutMs: config.alerts.timeoutSeconds * 1000 });
  if (webhooks.size) receiver.watch((c) => { if (c.kind === 'alert' || c.kind === 'events') webhooks.kick(); });
  const notifier = SystemdNotifier.fromEnv(process.env, log);
  const stopping = new Promise<void>((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve); });
  // The summaries' backfill (a database from before them, or after `summaries rebuild --full` elsewhere) runs beside
  // the receiver, a few thousand events a transaction; the ingest keeps up-to-date doors current meanwhile.
  const backfill = new AbortController();
  let backfilling: Promise<unknown> = Promise.resolve();
  const startBackfill = async (): Promise<void> => {
    const s = await summaryStatus(store.sql);
    if (s.timeZone !== config.timeZone) {
      log.warn({ summaries: s.timeZone, config: config.timeZone }, 'the summaries count days in another time zone than timeZone: run pintu central summaries rebuild --full');
    }
    if (s.doorsBehind === 0) return;
    log.info({ doors: s.doorsBehind, events: s.eventsBehind }, 'summaries: backfill started');
    backfilling = catchUpSummaries(store, { signal: backfill.signal })
      .then((t) => log.info(t, backfill.signal.aborted ? 'summaries: backfill paused (it resumes at the next start)' : 'summaries: backfill done'))
      .catch((err: unknown) => log.error({ err }, 'summaries: backfill failed (it resumes at the next start)'));
  };
  const parts = new Lifecycle([
    // Opened above (its start is the open); closed last.
    { name: 'store', start: () => undefined, stop: () => store.close() },
    { name: 'summaries', start: () => startBackfill(), stop: async () => { backfill.abort(); await backfilling; } },
    { name: 'receiver', start: () => receiver.start(), stop: () => receiver.stop() },
    // After the receiver, stopped before it: a POST in flight is aborted and sent again at the next start (at least once).
    { name: 'webhooks', start: () => webhooks.start(), stop: () => webhooks.stop() },
    // After the receiver (commands need its broker connection), stopped before it. A dashboard that cannot listen
    // leaves the receiver storing: the doors' events matter more than the pages.
    ...(dashboard ? [{
      name: 'dashboard',
      start: async () => { try { await dashboard.start(); } catch (err) { log.error({ err: (err as Error).message }, 'the dashboard could not start; the receiver works without it'); } },
      stop: () => dashboard.stop(),
    }] : []),
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

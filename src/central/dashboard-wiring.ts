/**
 * The dashboard of a running centre, wired to its receiver: signed commands go out over the receiver's broker
 * connection, and every change the receiver stores (a reply, a door's status, new events) nudges the live feed. Used by
 * `pintu central run` and by the embedded central office of `pintu demo`.
 */
import type { Log } from '../ports/log.js';
import type { KeyPair } from '../adapters/mqtt/keys.js';
import type { DashboardConfig } from './config.js';
import type { DashboardServer } from './dashboard/server.js';
import type { CentralReceiver } from './receiver.js';
import type { SqlCentralStore } from './sql-store.js';

/** What the dashboard of a centre is built from. */
export interface CentreDashboardParts {
  /** The central store. */
  store: SqlCentralStore;
  /** The receiver (its broker connection sends commands; its changes feed the live pages). */
  receiver: CentralReceiver;
  /** The centre's signing key. */
  key: KeyPair;
  /** The `console:` section. */
  config: DashboardConfig;
  /** Time zone of every time shown. */
  timeZone: string;
}

/** Build (not start) the dashboard of a centre. */
export async function centreDashboard(p: CentreDashboardParts, log: Log): Promise<DashboardServer> {
  const [{ DashboardServer }, { CommandSender }] = await Promise.all([import('./dashboard/server.js'), import('./commands.js')]);
  const { store, receiver, key } = p;
  const dashboard = new DashboardServer({
    store, sql: store.sql, config: p.config, timeZone: p.timeZone,
    commands: {
      async send(site, door, action, args, opts) {
        const client = receiver.mqtt;
        if (!client) throw new Error('the receiver is not connected to the broker');
        const r = await new CommandSender(client, store, key).send(site, door, action, args, opts);
        return { id: r.command.id, reply: r.reply };
      },
    },
  }, log);
  const feed = dashboard.context.feed;
  receiver.watch((c) => {
    if (c.kind === 'reply' && c.id) feed.notify(`command:${c.id}`, c.site);
    if (c.kind === 'status') feed.notify(`door:${c.site}/${c.door}`, c.site);
    void feed.poll();
  });
  return dashboard;
}

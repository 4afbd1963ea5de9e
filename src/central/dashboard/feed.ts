/**
 * What changed in the central store, for live pages: the local receiver tells at once (`kick`), and a poll of the store
 * (cheap indexed maxima and the doors table) catches what other receivers sharing the database stored. Listeners get
 * topics, never data: `alerts` (a new or acknowledged alert), `fleet` (a door's row changed), `door:<site>/<door>` (new
 * events or status of that door), `command:<id>` (a reply arrived); each with the site it concerns ('*': unknown).
 * Pages re-fetch their fragments, so what a user sees is rendered under their own session and scope.
 */
import type { Log } from '../../ports/log.js';
import type { SqlRunner } from '../sql-runner.js';

/** One change notice. */
export interface FeedNotice {
  /** `alerts`, `fleet`, `door:<site>/<door>` or `command:<id>`. */
  topic: string;
  /** The site it concerns, or '*' when not known (every listener gets it). */
  site: string;
}

/** The live feed of one dashboard. */
export class DashboardFeed {
  private readonly listeners = new Set<(n: FeedNotice) => void>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private lastAlert: { id: number; acked: number } | null = null;
  private readonly doorPrints = new Map<string, string>();
  private doorsCheckedAt = 0;
  /** The doors table was read once (what it held then is the baseline; a door enrolled later is a change). */
  private doorsSeen = false;

  /** Poll every `pollMs` (alerts) and `doorsEveryMs` (the doors table). */
  constructor(private readonly sql: SqlRunner, private readonly log: Log, private readonly opts: { pollMs?: number; doorsEveryMs?: number } = {}) {}

  /** Listen; returns the unsubscribe. */
  listen(fn: (n: FeedNotice) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Listeners now (tests, health). */
  get size(): number {
    return this.listeners.size;
  }

  /** Tell every listener (a change this process made or saw). */
  notify(topic: string, site = '*'): void {
    for (const fn of this.listeners) {
      try { fn({ topic, site }); } catch (err) { this.log.warn({ err: (err as Error).message }, 'a live listener failed'); }
    }
  }

  /** Start polling. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs ?? 200);
    this.timer.unref();
    void this.poll();
  }

  /** Stop polling. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Check the store now (also called by the local receiver's changes). */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      await this.pollAlerts();
      const now = Date.now();
      if (now - this.doorsCheckedAt >= (this.opts.doorsEveryMs ?? 1000)) {
        this.doorsCheckedAt = now;
        await this.pollDoors();
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'live feed poll failed');
    } finally {
      this.polling = false;
    }
  }

  private async pollAlerts(): Promise<void> {
    const r = (await this.sql.rows<{ id: number | string | null; acked: number | string | null }>('SELECT MAX(id) AS id, MAX(acked_at) AS acked FROM alerts', []))[0];
    const now = { id: Number(r?.id ?? 0), acked: Number(r?.acked ?? 0) };
    const before = this.lastAlert;
    this.lastAlert = now;
    if (!before) return;
    if (now.id > before.id) {
      const sites = await this.sql.rows<{ site: string }>('SELECT DISTINCT site FROM alerts WHERE id > ?', [before.id]);
      for (const s of sites) this.notify('alerts', s.site);
    }
    if (now.acked !== before.acked) this.notify('alerts', '*');
  }

  private async pollDoors(): Promise<void> {
    const rows = await this.sql.rows<Record<string, unknown> & { site: string; door: string }>('SELECT * FROM doors', []);
    const first = !this.doorsSeen;
    this.doorsSeen = true;
    const changedSites = new Set<string>();
    for (const r of rows) {
      const { command_counter: _c, ...rest } = r;
      const print = JSON.stringify(rest);
      const key = `${r.site}/${r.door}`;
      if (this.doorPrints.get(key) !== print) {
        this.doorPrints.set(key, print);
        if (!first) { changedSites.add(r.site); this.notify(`door:${key}`, r.site); }
      }
    }
    for (const site of changedSites) this.notify('fleet', site);
  }
}

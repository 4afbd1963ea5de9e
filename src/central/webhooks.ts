/**
 * Alert webhooks (`alerts.webhooks` of the central config): each webhook gets the alerts of its site ('*': every site),
 * optionally only some kinds, POSTed one at a time as JSON in alert order, signed with HMAC-SHA256 of the body
 * (`X-Pintu-Signature: sha256=<hex>`) when it has a secret.
 *
 * - Never blocking ingest: delivery is its own loop reading the `alerts` table after a per-webhook cursor
 *   (`webhook_cursors.last_id`); the receiver only kicks it.
 * - At least once, in order: the cursor moves past an alert only after the receiver answered 2xx, so a crash or stop
 *   between the answer and the cursor's update delivers that alert again (receivers dedupe by `id`, also sent as
 *   `X-Pintu-Alert`). A failure (network, timeout, any non-2xx answer) is retried with exponential backoff, forever,
 *   and nothing after it is sent before it.
 * - One sender per webhook: with several receivers sharing a PostgreSQL, the sender holds a lease on the webhook's
 *   cursor row (a conditional UPDATE, renewed while it works; another process takes over when it lapses) instead of
 *   holding a row lock or a transaction open across HTTP calls. Every cursor update is conditional on the lease.
 * - Ids from a PostgreSQL sequence may become visible out of order (a transaction that took a lower id commits later):
 *   a missing id below a visible one is waited for (`holeWaitMs`) before being passed as a hole that will never fill
 *   (a rolled-back transaction). SQLite commits in id order, so there a missing id is a permanent hole at once.
 * - The secret is never logged; the URL is logged by its origin only (a path may carry a token).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Log } from '../ports/log.js';
import type { SqlRunner } from './sql-runner.js';
import { groupOf } from './alert-queue.js';

/** One webhook as configured. */
export interface WebhookTarget {
  /** Site id, or '*' for every site. */
  site: string;
  /** Where to POST. */
  url: string;
  /** Shared secret for the signature (none: unsigned). */
  secret?: string | undefined;
  /** Only these kinds (none: every kind). */
  kinds?: readonly string[] | undefined;
}

/** Tuning of the delivery loop (defaults suit production; tests shorten them). */
export interface WebhookOptions {
  /** Base URL of the dashboard for the `link` of each alert (`<base>/alerts/<id>`), or how to learn it once it listens; null: no link. */
  dashboardUrl: string | null | (() => string | null);
  /** Timeout of one POST (ms, default 10,000). */
  timeoutMs?: number;
  /** First retry delay (ms, default 1,000); doubled after each failure. */
  retryFirstMs?: number;
  /** Longest retry delay (ms, default 300,000). */
  retryMaxMs?: number;
  /** How often to look for new alerts when not kicked (ms, default 1,000). */
  pollMs?: number;
  /** Lease on a webhook's cursor (ms, default 30,000). */
  leaseMs?: number;
  /** How long a missing alert id is waited for before it is passed as a permanent hole (ms; default 15,000 on PostgreSQL, 0 on SQLite). */
  holeWaitMs?: number;
  /** The HTTP client (default: the global fetch). */
  fetch?: typeof fetch;
  /** Clock (ms). */
  now?: () => number;
}

/** What a receiver of the webhook gets (the JSON body). */
export interface WebhookPayload {
  /** Alert number (unique at this centre: dedupe by it). */
  id: number;
  /** When the centre raised it (ISO 8601, UTC). */
  at: string;
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** Kind: a door alarm's event type (door.forced, alarm.visitor_unescorted, …) or a link fault (gap, offline, …). */
  kind: string;
  /** `alarm` (the door's) or `link` (the receiver's finding). */
  group: 'alarm' | 'link';
  /** Details as stored (may hold what the door sent). */
  detail: string;
  /** The alert on the dashboard, or null when no dashboard URL is known. */
  link: string | null;
}

/** Delivery state of one webhook (for logs and tests). */
export interface WebhookState {
  /** Stable id of the webhook (a hash of its site and URL; never the secret). */
  hook: string;
  /** The last alert id passed (delivered or not for this webhook). */
  lastId: number;
  /** Alerts delivered since the cursor was made. */
  delivered: number;
  /** Failed attempts in a row now. */
  failures: number;
  /** The last failure (status or error class), or null. */
  lastError: string | null;
}

/** Least time between two looks for new alerts when the last found nothing (ms). */
const ROUND_GAP_MS = 100;

type AlertRow = { id: number | string; at: number | string; site: string; door: string; kind: string; detail: string };

/** Stable id of a webhook: its site and URL (changing the secret or kinds keeps its cursor). */
export function hookIdOf(t: Pick<WebhookTarget, 'site' | 'url'>): string {
  return createHash('sha256').update(`${t.site}\n${t.url}`).digest('hex').slice(0, 16);
}

/** The signature header value of a body: `sha256=<hex HMAC-SHA256(secret, body)>`. */
export function signatureOf(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The URL as it may be logged: its origin only. */
function originOf(url: string): string {
  try { return new URL(url).origin; } catch { return '(invalid URL)'; }
}

/** Does this webhook take this alert? */
export function hookTakes(t: WebhookTarget, a: { site: string; kind: string }): boolean {
  return (t.site === '*' || t.site === a.site) && (!t.kinds || t.kinds.length === 0 || t.kinds.includes(a.kind));
}

/** One webhook's sender. */
class HookSender {
  readonly hook: string;
  private stopped = false;
  private wake: (() => void) | null = null;
  private kicked = false;
  private holeSince = new Map<number, number>();
  private delay: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  private inflight: AbortController | null = null;
  /** The loop's promise (settles after stop). */
  done: Promise<void> = Promise.resolve();

  constructor(private readonly sql: SqlRunner, readonly target: WebhookTarget, private readonly owner: string, private readonly log: Log, private readonly o: Required<WebhookOptions>) {
    this.hook = hookIdOf(target);
  }

  /** Make the cursor row if new (starting after the newest alert: a new webhook gets alerts from now on). */
  async prepare(): Promise<void> {
    await this.sql.run('INSERT INTO webhook_cursors (hook, last_id, delivered, failures, changed_at) SELECT ?, COALESCE(MAX(id), 0), 0, 0, ? FROM alerts WHERE 1 = 1 ON CONFLICT (hook) DO NOTHING',
      [this.hook, this.o.now()]);
  }

  start(): void {
    this.done = this.loop().catch((err: Error) => this.log.error({ hook: this.hook, err: err.message }, 'webhook sender stopped on an error'));
  }

  kick(): void {
    this.kicked = true;
    const w = this.wake; this.wake = null; w?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.inflight?.abort();
    if (this.delay) { clearTimeout(this.delay.timer); this.delay.resolve(); }
    this.kick();
    await this.done;
    await this.sql.run('UPDATE webhook_cursors SET owner = NULL, lease_until = NULL WHERE hook = ? AND owner = ?', [this.hook, this.owner]).catch(() => undefined);
  }

  /** Sleep `ms` (a stop ends it; a kick too when `kickable`). */
  private sleep(ms: number, kickable: boolean): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (kickable && this.kicked) { this.kicked = false; return Promise.resolve(); }
    return new Promise<void>((resolve) => {
      const end = (): void => { clearTimeout(timer); if (this.delay?.timer === timer) this.delay = null; if (kickable) this.wake = null; resolve(); };
      const timer = setTimeout(end, ms);
      timer.unref();
      this.delay = { timer, resolve: end };
      if (kickable) this.wake = () => { this.kicked = false; end(); };
    });
  }

  /** Take or renew the lease on the cursor; true while this process is the webhook's sender. */
  private async lease(): Promise<boolean> {
    const now = this.o.now();
    return (await this.sql.run('UPDATE webhook_cursors SET owner = ?, lease_until = ? WHERE hook = ? AND (owner IS NULL OR owner = ? OR lease_until IS NULL OR lease_until < ?)',
      [this.owner, now + this.o.leaseMs, this.hook, this.owner, now])) === 1;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!(await this.lease())) { await this.sleep(Math.max(this.o.pollMs, this.o.leaseMs / 3), false); continue; }
        const moved = await this.round();
        // Kicks come with every commit of a busy receiver: at most one look every ROUND_GAP_MS when nothing moved.
        if (!moved) { await this.sleep(Math.min(ROUND_GAP_MS, this.o.pollMs), false); await this.sleep(Math.max(0, this.o.pollMs - ROUND_GAP_MS), true); }
      } catch (err) {
        this.log.warn({ hook: this.hook, err: (err as Error).message }, 'webhook delivery could not read the store; retrying');
        await this.sleep(Math.max(this.o.pollMs, 1000), false);
      }
    }
  }

  /** Deliver what follows the cursor; false when there was nothing to do (or a hole to wait for). */
  private async round(): Promise<boolean> {
    const cur = (await this.sql.rows<{ last_id: number | string }>('SELECT last_id FROM webhook_cursors WHERE hook = ?', [this.hook]))[0];
    if (!cur) { await this.prepare(); return true; }
    let last = Number(cur.last_id);
    const rows = await this.sql.rows<AlertRow>('SELECT id, at, site, door, kind, detail FROM alerts WHERE id > ? ORDER BY id LIMIT 100', [last]);
    if (rows.length === 0) return false;
    let moved = false;
    for (const r of rows) {
      if (this.stopped) break;
      const id = Number(r.id);
      if (id !== last + 1 && !this.holePassed(last + 1)) break;
      const a = { id, at: Number(r.at), site: r.site, door: r.door, kind: r.kind, detail: r.detail };
      const take = hookTakes(this.target, a);
      if (take && !(await this.deliver(a))) break;
      if (!(await this.advance(id, take ? 1 : 0))) { this.log.warn({ hook: this.hook }, 'webhook lease lost to another receiver; it delivers from here'); break; }
      last = id;
      moved = true;
    }
    return moved;
  }

  /** Has the hole starting at `id` been waited for long enough? */
  private holePassed(id: number): boolean {
    if (this.o.holeWaitMs <= 0) return true;
    const now = this.o.now();
    const since = this.holeSince.get(id) ?? now;
    this.holeSince.set(id, since);
    if (this.holeSince.size > 1000) this.holeSince.clear();
    if (now - since < this.o.holeWaitMs) return false;
    this.holeSince.delete(id);
    return true;
  }

  /** Move the cursor (only while holding the lease, which it renews). */
  private async advance(id: number, delivered: number): Promise<boolean> {
    const now = this.o.now();
    return (await this.sql.run('UPDATE webhook_cursors SET last_id = ?, delivered = delivered + ?, failures = 0, last_error = NULL, lease_until = ?, changed_at = ? WHERE hook = ? AND owner = ?',
      [id, delivered, now + this.o.leaseMs, now, this.hook, this.owner])) === 1;
  }

  /** POST one alert until it is taken (true) or the sender stops (false). */
  private async deliver(a: { id: number; at: number; site: string; door: string; kind: string; detail: string }): Promise<boolean> {
    const base = typeof this.o.dashboardUrl === 'function' ? this.o.dashboardUrl() : this.o.dashboardUrl;
    const payload: WebhookPayload = {
      id: a.id, at: new Date(a.at).toISOString(), site: a.site, door: a.door, kind: a.kind, group: groupOf(a.kind), detail: a.detail,
      link: base ? `${base.replace(/\/+$/, '')}/alerts/${a.id}` : null,
    };
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'pintu-central', 'x-pintu-alert': String(a.id) };
    if (this.target.secret) headers['x-pintu-signature'] = signatureOf(this.target.secret, body);
    let failures = 0;
    while (!this.stopped) {
      const why = await this.post(body, headers);
      if (why === null) {
        if (failures) this.log.info({ hook: this.hook, alert: a.id, attempts: failures + 1 }, 'webhook delivered after retrying');
        return true;
      }
      if (this.stopped) return false;
      failures += 1;
      const wait = Math.min(this.o.retryFirstMs * 2 ** Math.min(failures - 1, 30), this.o.retryMaxMs);
      this.log.warn({ hook: this.hook, to: originOf(this.target.url), alert: a.id, failures, why, retryInMs: wait }, 'webhook delivery failed; retrying');
      await this.sql.run('UPDATE webhook_cursors SET failures = ?, last_error = ?, lease_until = ?, changed_at = ? WHERE hook = ? AND owner = ?',
        [failures, why, this.o.now() + this.o.leaseMs + wait, this.o.now(), this.hook, this.owner]).catch(() => undefined);
      await this.sleep(wait, false);
      if (!this.stopped && !(await this.lease().catch(() => false))) return false;
    }
    return false;
  }

  /** One POST; null when taken (2xx), else why not (status or error class, never the URL or secret). */
  private async post(body: string, headers: Record<string, string>): Promise<string | null> {
    const ac = new AbortController();
    this.inflight = ac;
    const timer = setTimeout(() => ac.abort(new Error('timeout')), this.o.timeoutMs);
    timer.unref();
    try {
      const res = await this.o.fetch(this.target.url, { method: 'POST', body, headers, signal: ac.signal, redirect: 'manual' });
      await res.arrayBuffer().catch(() => undefined);
      return res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`;
    } catch (err) {
      if (ac.signal.aborted) return this.stopped ? 'stopped' : `timeout after ${this.o.timeoutMs} ms`;
      const e = err as Error & { cause?: { code?: string } };
      return e.cause?.code ?? e.name ?? 'network error';
    } finally {
      clearTimeout(timer);
      this.inflight = null;
    }
  }

  /** This webhook's stored state. */
  async state(): Promise<WebhookState | null> {
    const r = (await this.sql.rows<{ last_id: number | string; delivered: number | string; failures: number | string; last_error: string | null }>(
      'SELECT last_id, delivered, failures, last_error FROM webhook_cursors WHERE hook = ?', [this.hook]))[0];
    return r ? { hook: this.hook, lastId: Number(r.last_id), delivered: Number(r.delivered), failures: Number(r.failures), lastError: r.last_error } : null;
  }
}

/** The alert webhooks of one `pintu central run` process. */
export class WebhookDelivery {
  private readonly senders: HookSender[];
  private started = false;

  /** Senders for `targets` over the central store's SQL. */
  constructor(private readonly sql: SqlRunner, targets: readonly WebhookTarget[], private readonly log: Log, o: WebhookOptions) {
    const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    const opts = {
      dashboardUrl: o.dashboardUrl, timeoutMs: o.timeoutMs ?? 10_000, retryFirstMs: o.retryFirstMs ?? 1000, retryMaxMs: o.retryMaxMs ?? 300_000,
      pollMs: o.pollMs ?? 1000, leaseMs: o.leaseMs ?? 30_000, holeWaitMs: o.holeWaitMs ?? (sql.dialect === 'pg' ? 15_000 : 0),
      fetch: o.fetch ?? fetch, now: o.now ?? Date.now,
    };
    const seen = new Set<string>();
    this.senders = [];
    for (const t of targets) {
      const s = new HookSender(sql, t, owner, log, opts);
      if (seen.has(s.hook)) { log.warn({ hook: s.hook, site: t.site, to: originOf(t.url) }, 'the same webhook (site and URL) is configured twice; delivering once'); continue; }
      seen.add(s.hook);
      this.senders.push(s);
    }
  }

  /** How many webhooks are delivered. */
  get size(): number {
    return this.senders.length;
  }

  /** Make missing cursors and start every sender (returns at once: delivery runs on its own). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const s of this.senders) await s.prepare();
    for (const s of this.senders) s.start();
    if (this.senders.length) {
      this.log.info({ webhooks: this.senders.map((s) => ({ hook: s.hook, site: s.target.site, to: originOf(s.target.url), kinds: s.target.kinds ?? 'all', signed: Boolean(s.target.secret) })) }, 'alert webhooks delivering');
    }
  }

  /** Something may have changed: look for new alerts now. */
  kick(): void {
    for (const s of this.senders) s.kick();
  }

  /** Stop: abort a POST in flight (it is sent again at the next start: at least once), release the leases. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await Promise.all(this.senders.map((s) => s.stop()));
  }

  /** Each webhook's stored state (tests, status). */
  async states(): Promise<WebhookState[]> {
    const out: WebhookState[] = [];
    for (const s of this.senders) { const st = await s.state(); if (st) out.push(st); }
    return out;
  }
}

/**
 * Live updates without reload (Server-Sent Events): screens register panes (the door, who is inside, the event stream,
 * the alarm banner, the approval queue); each committed event marks the panes it affects, and shortly after (coalesced,
 * off the tap path) each dirty pane is rendered once per language and role and sent to every open browser.
 * Desk-reader taps go out as `desk` messages (to the sign-in page only when the card is an officer's badge, or a suspected copy of one).
 */
import type { StoredEvent } from '../../domain/events.js';
import type { Officer, Role } from '../../domain/types.js';
import type { Log } from '../../ports/log.js';
import type { Catalogue, Lang, Translate } from './i18n/index.js';

/** A part of a page kept up to date live (its element has `sse-swap="<name>"`). */
export interface LivePane {
  /** SSE event name and element id. */
  name: string;
  /** Whether a committed event changes what the pane shows. */
  affectedBy: (e: StoredEvent) => boolean;
  /** The pane's HTML for a language and a viewer's role. */
  render: (t: Translate, role: Role) => string;
}

/** One open browser. */
export interface LiveClient {
  /** Language of its pages. */
  lang: Lang;
  /** The signed-in officer's id, or null for the sign-in page. */
  officerId: string | null;
  /** Queue an SSE message to it. */
  send(event: string, data: string): void;
  /** Is the session it was opened in still signed in (sign-out, idle timeout, PIN reset end it)? Absent: always. */
  alive?: () => boolean;
}

/** What the desk reader read, as browsers are told (never the card's UID). */
export interface DeskTapNotice {
  /** One-time token a form sends back to use this tap. */
  token: string;
  /**
   * What the card is (`random`: a card answering a random UID, which names no card: never a KTP link or a badge;
   * `unproven`: it shows an enrolled secure badge's UID but did not prove the badge's key at a secure desk reader, a
   * suspected copy: no form takes it).
   */
  kind: 'officer' | 'badge' | 'card' | 'random' | 'unproven';
  /** The officer's id (kind officer). */
  officer?: string;
  /** Display text: the officer's name or the badge's label. */
  label?: string;
  /** The badge's pool status (kind badge). */
  status?: string;
}

/** Options of the live hub. */
export interface LiveHubOptions {
  /** Message catalogue. */
  catalogue: Catalogue;
  /** The officer's role now (null: unknown or deactivated, who then gets nothing). */
  roleOf: (officerId: string) => Role | null;
  /** Logger. */
  log: Log;
  /** Delay that gathers events committed together into one update (ms, default 25). */
  coalesceMs?: number;
}

/** The live hub of one console. */
export class LiveHub {
  private readonly panes: LivePane[] = [];
  private readonly clients = new Set<LiveClient>();
  private readonly dirty = new Set<LivePane>();
  private timer: NodeJS.Timeout | null = null;
  /** The next pane's turn of the event loop, while panes are being sent. */
  private next: NodeJS.Immediate | null = null;
  private stopped = false;

  constructor(private readonly opts: LiveHubOptions) {}

  /** Register a pane. */
  pane(p: LivePane): void {
    this.panes.push(p);
  }

  /** Connect a browser; returns the disconnect. */
  connect(client: LiveClient): () => void {
    this.clients.add(client);
    return () => { this.clients.delete(client); };
  }

  /** Browsers connected now. */
  get size(): number {
    return this.clients.size;
  }

  /** Events were committed: mark the panes they affect and schedule an update. */
  onEvents(events: readonly StoredEvent[]): void {
    if (this.stopped || this.clients.size === 0) return;
    for (const p of this.panes) if (!this.dirty.has(p) && events.some((e) => p.affectedBy(e))) this.dirty.add(p);
    this.schedule();
  }

  /** Re-render a pane now for everyone (e.g. after a change that is not an event). */
  refresh(name: string): void {
    const p = this.panes.find((x) => x.name === name);
    if (p && !this.stopped) { this.dirty.add(p); this.schedule(); }
  }

  /** Tell browsers of a desk-reader tap. */
  desk(notice: DeskTapNotice): void {
    const data = JSON.stringify(notice);
    for (const c of this.clients) if ((c.officerId !== null || notice.kind === 'officer' || notice.kind === 'unproven') && (c.alive?.() ?? true)) c.send('desk', data);
  }

  /** Stop sending (the console stops). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.next) clearImmediate(this.next);
    this.next = null;
    this.timer = null;
    this.clients.clear();
  }

  private schedule(): void {
    if (this.timer || this.next || this.dirty.size === 0) return;
    this.timer = setTimeout(() => { this.timer = null; this.flush(); }, this.opts.coalesceMs ?? 25);
    this.timer.unref();
  }

  /**
   * Render and send the dirty panes, one pane per turn of the event loop: a tap's serial frame (I/O) is handled between
   * two panes instead of waiting for every render, so open browsers cost the door's taps at most one pane's render.
   */
  private flush(): void {
    const pane = this.dirty.values().next().value;
    if (!pane || this.stopped) return;
    this.dirty.delete(pane);
    this.send(pane);
    if (this.dirty.size > 0) this.next = setImmediate(() => { this.next = null; this.flush(); });
  }

  private send(p: LivePane): void {
    const cache = new Map<string, string>();
    const translators = new Map<Lang, Translate>();
    for (const c of this.clients) {
      if (c.officerId === null || !(c.alive?.() ?? true)) continue;
      const role = this.opts.roleOf(c.officerId);
      if (!role) continue;
      let t = translators.get(c.lang);
      if (!t) { t = this.opts.catalogue.translator(c.lang); translators.set(c.lang, t); }
      const key = `${c.lang}|${role}`;
      let html = cache.get(key);
      if (html === undefined) {
        try { html = p.render(t, role); } catch (err) {
          this.opts.log.error({ err: (err as Error).message, pane: p.name }, 'rendering a live pane failed');
          html = '';
        }
        cache.set(key, html);
      }
      if (html) c.send(p.name, html);
    }
  }
}

/** An officer's role, or null when unknown or deactivated. */
export function activeRole(o: Officer | null): Role | null {
  return o && o.active ? o.role : null;
}

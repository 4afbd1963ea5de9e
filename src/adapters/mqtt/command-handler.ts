/**
 * Signed commands from the centre, checked in this order: size, JSON, schema, the centre's signature, expiry,
 * monotonic counter (replay). A refused command is recorded as a `command.rejected` event with the reason and
 * changes nothing else; an accepted one runs through the visit commands (`VisitCommands`, the app's VisitService) (preregister = request, approve, deny, revoke)
 * or the watchlist (`WatchlistCommands`) in the same transaction as the counter, and is recorded as `command.executed` or `command.failed`.
 * Personal fields arrive only sealed to the door's X25519 key (`sealed`, protocol/sealing.ts), bound to this site,
 * door, command id and action: one that does not open with the door's key is refused (`bad-seal`), as is every sealed
 * command at a door without its key. A pre-registration with the name and NIK in clear (a centre older than issue 14)
 * does not even parse: an upgraded door never takes personal data that crossed the broker in clear.
 */
import type { KeyObject } from 'node:crypto';
import type { WatchlistCommands } from '../../ports/watchlist.js';
import type { KeyPair } from './keys.js';
import { openSealed, sealContext } from '../../protocol/sealing.js';
import type { Store } from '../sqlite/store.js';
import type { StoredEvent } from '../sqlite/event-log.js';
import type { VisitCommands } from '../../ports/visit-commands.js';
import type { Visit } from '../../domain/types.js';
import { UserError } from '../../domain/errors.js';
import { parseTime } from '../../domain/time.js';
import type { Log } from '../../ports/log.js';
import type { LinkState } from './link-state.js';
import { MAX_COMMAND_BYTES, SEALED_CONTENT, commandArgsSchemas, commandMessageSchema, isSealedAction, type CommandMessage, type RejectReason, type ReplyMessage } from '../../protocol/messages.js';
import { verifyBody } from '../../protocol/signing.js';
import { event, type EventData } from '../../domain/events.js';

/** The reply body before signing. */
export type ReplyBody = Omit<ReplyMessage, 'sig'>;

/** Settings of the command handler. */
export interface CommandHandlerOptions {
  /** Site id (commands are signed for one site and door). */
  site: string;
  /** Door id. */
  door: string;
  /** The centre's public key; null refuses every command. */
  centralKey: KeyObject | null;
  /** Clock (ms). */
  now?: () => number;
  /** Told about every committed event (the outbox). */
  onEvents?: (events: StoredEvent[]) => void;
  /** The door's X25519 sealing key; null or absent refuses every command with sealed fields. */
  sealKey?: KeyPair | null;
  /** The watchlist the centre's `watchlist` command updates; absent: that command fails. */
  watchlist?: WatchlistCommands;
}

/** What a command did: the visit it touched, or the watchlist entries it applied. */
type Outcome = { visit: Visit } | { entries: number };

/** Verifies and executes commands from the centre. */
export class CommandHandler {
  private readonly now: () => number;

  /** Wire to the store, the link row and the visit service. */
  constructor(private readonly store: Store, private readonly link: LinkState, private readonly visits: VisitCommands, private readonly opts: CommandHandlerOptions, private readonly log: Log) {
    this.now = opts.now ?? Date.now;
  }

  /** Handle one payload from the commands topic; returns the reply body to publish. Never throws. */
  handle(payload: Buffer): ReplyBody {
    const at = this.now();
    if (payload.length > MAX_COMMAND_BYTES) return this.reject('oversized', null, at, { bytes: payload.length });
    let raw: unknown;
    try {
      raw = JSON.parse(payload.toString('utf8'));
    } catch {
      return this.reject('malformed', null, at, { detail: 'not JSON' });
    }
    const parsed = commandMessageSchema.safeParse(raw);
    const idOf = (r: unknown): string | null => {
      const id = r && typeof r === 'object' ? (r as { id?: unknown }).id : undefined;
      return typeof id === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(id) ? id : null;
    };
    if (!parsed.success) {
      const detail = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ').slice(0, 300);
      return this.reject('malformed', idOf(raw), at, { detail });
    }
    const cmd = parsed.data;
    if (!this.opts.centralKey) return this.reject('no-central-key', cmd.id, at, { counter: cmd.counter });
    if (!verifyBody(this.opts.centralKey, 'commands', this.opts.site, this.opts.door, cmd)) return this.reject('bad-signature', cmd.id, at, { counter: cmd.counter });
    if (Date.parse(cmd.expiresAt) <= at) return this.reject('expired', cmd.id, at, { counter: cmd.counter, expiresAt: cmd.expiresAt });
    let opened: unknown = null;
    if (isSealedAction(cmd.action)) {
      const key = this.opts.sealKey;
      if (!key) return this.reject('bad-seal', cmd.id, at, { counter: cmd.counter, detail: 'this door has no sealing key' });
      try {
        const text = openSealed(key.privateKey, key.publicKey, String(cmd.args.sealed), sealContext(this.opts.site, this.opts.door, cmd.id, cmd.action));
        const r = SEALED_CONTENT[cmd.action].safeParse(JSON.parse(text));
        if (!r.success) return this.reject('bad-seal', cmd.id, at, { counter: cmd.counter, detail: `sealed fields: ${r.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`.slice(0, 300) });
        opened = r.data;
      } catch {
        return this.reject('bad-seal', cmd.id, at, { counter: cmd.counter, detail: 'sealed fields could not be opened with this door\'s key' });
      }
    }
    return this.execute(cmd, opened, at);
  }

  private execute(cmd: CommandMessage, opened: unknown, at: number): ReplyBody {
    const base = { v: 1 as const, id: cmd.id, action: cmd.action, at: new Date(at).toISOString() };
    let reply: ReplyBody | null = null;
    let stored: StoredEvent[] = [];
    try {
      this.store.tx(() => {
        if (!this.link.takeCounter(cmd.counter)) return;
        try {
          const done = this.store.tx(() => this.run(cmd, opened));
          const what = 'visit' in done ? { visit: done.visit.id } : { entries: done.entries };
          stored = this.store.events.append([event('command.executed', { command: cmd.id, action: cmd.action, counter: cmd.counter, ...what })], at);
          reply = { ...base, ok: true, ...('visit' in done ? { visit: done.visit.id, state: done.visit.state } : {}) };
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          const error = err.message.slice(0, 500);
          stored = this.store.events.append([event('command.failed', { command: cmd.id, action: cmd.action, counter: cmd.counter, error })], at);
          reply = { ...base, ok: false, error };
        }
      });
    } catch (err) {
      this.log.error({ command: cmd.id, action: cmd.action, err: (err as Error).message }, 'command could not be executed');
      return { ...base, ok: false, error: 'internal error at the door; see its log' };
    }
    if (!reply) return this.reject('replay', cmd.id, at, { counter: cmd.counter });
    this.opts.onEvents?.(stored);
    this.log.info({ command: cmd.id, action: cmd.action, ok: (reply as ReplyBody).ok }, 'command from the centre');
    return reply;
  }

  private run(cmd: CommandMessage, opened: unknown): Outcome {
    switch (cmd.action) {
      case 'preregister': {
        const a = commandArgsSchemas.preregister.parse(cmd.args);
        const p = SEALED_CONTENT.preregister.parse(opened);
        return { visit: this.visits.request({
          name: p.name, nik: p.nik, org: p.org, phone: p.phone ?? null, purpose: p.purpose, letterRef: p.letterRef ?? null,
          devices: p.devices ?? [], by: a.by ?? null, ...(a.plannedMinutes !== undefined ? { plannedMinutes: a.plannedMinutes } : {}),
        }) };
      }
      case 'approve': {
        const a = commandArgsSchemas.approve.parse(cmd.args);
        // Strictly: an impossible date (2027-02-30) is refused, not rolled over; no offset means the office's zone.
        const tz = this.visits.timeZone;
        return { visit: this.visits.approve(a.visit, a.by, { ...(a.from ? { from: parseTime(a.from, 'from', tz) } : {}), ...(a.until ? { until: parseTime(a.until, 'until', tz) } : {}) }) };
      }
      case 'deny': {
        const a = commandArgsSchemas.deny.parse(cmd.args);
        return { visit: this.visits.deny(a.visit, a.by, a.reason) };
      }
      case 'revoke': {
        const a = commandArgsSchemas.revoke.parse(cmd.args);
        return { visit: this.visits.revoke(a.visit, a.by, a.reason) };
      }
      case 'watchlist': {
        const a = commandArgsSchemas.watchlist.parse(cmd.args);
        const p = SEALED_CONTENT.watchlist.parse(opened);
        if (!this.opts.watchlist) throw new UserError('this door keeps no watchlist');
        return { entries: this.opts.watchlist.applyCentral(p.entries.map((e) => ({ nik: e.nik, reason: e.reason, until: Date.parse(e.until) })), a.mode, a.by) };
      }
    }
  }

  private reject(reason: RejectReason, id: string | null, at: number, extra: Omit<EventData<'command.rejected'>, 'reason' | 'command'>): ReplyBody {
    try {
      const stored = this.store.tx(() => this.store.events.append([event('command.rejected', { reason, ...(id ? { command: id } : {}), ...extra })], at));
      this.opts.onEvents?.(stored);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'recording a rejected command failed');
    }
    this.log.warn({ reason, command: id ?? undefined }, 'command rejected');
    return { v: 1, id: id ?? '', ok: false, rejected: reason, at: new Date(at).toISOString() };
  }
}

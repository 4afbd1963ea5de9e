/**
 * Signed commands from the centre, checked in this order: size, JSON, schema, the centre's signature, expiry,
 * monotonic counter (replay). A refused command is recorded as a `command.rejected` event with the reason and
 * changes nothing else; an accepted one runs through the visit commands (`VisitCommands`, the app's VisitService) (preregister = request, approve, deny, revoke)
 * in the same transaction as the counter, and is recorded as `command.executed` or `command.failed`.
 */
import type { KeyObject } from 'node:crypto';
import type { Store } from '../sqlite/store.js';
import type { StoredEvent } from '../sqlite/event-log.js';
import type { VisitCommands } from '../../ports/visit-commands.js';
import type { Visit } from '../../domain/types.js';
import { UserError } from '../../domain/errors.js';
import { parseTime } from '../../domain/time.js';
import type { Log } from '../../ports/log.js';
import type { LinkState } from './link-state.js';
import { MAX_COMMAND_BYTES, commandArgsSchemas, commandMessageSchema, type CommandMessage, type RejectReason, type ReplyMessage } from '../../protocol/messages.js';
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
}

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
    return this.execute(cmd, at);
  }

  private execute(cmd: CommandMessage, at: number): ReplyBody {
    const base = { v: 1 as const, id: cmd.id, action: cmd.action, at: new Date(at).toISOString() };
    let reply: ReplyBody | null = null;
    let stored: StoredEvent[] = [];
    try {
      this.store.tx(() => {
        if (!this.link.takeCounter(cmd.counter)) return;
        try {
          const visit = this.store.tx(() => this.run(cmd));
          stored = this.store.events.append([event('command.executed', { command: cmd.id, action: cmd.action, counter: cmd.counter, visit: visit.id })], at);
          reply = { ...base, ok: true, visit: visit.id, state: visit.state };
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

  private run(cmd: CommandMessage): Visit {
    switch (cmd.action) {
      case 'preregister': {
        const a = commandArgsSchemas.preregister.parse(cmd.args);
        return this.visits.request({
          name: a.name, nik: a.nik, org: a.org, phone: a.phone ?? null, purpose: a.purpose, letterRef: a.letterRef ?? null,
          devices: a.devices ?? [], by: a.by ?? null, ...(a.plannedMinutes !== undefined ? { plannedMinutes: a.plannedMinutes } : {}),
        });
      }
      case 'approve': {
        const a = commandArgsSchemas.approve.parse(cmd.args);
        // Strictly: an impossible date (2027-02-30) is refused, not rolled over; no offset means the office's zone.
        const tz = this.visits.timeZone;
        return this.visits.approve(a.visit, a.by, { ...(a.from ? { from: parseTime(a.from, 'from', tz) } : {}), ...(a.until ? { until: parseTime(a.until, 'until', tz) } : {}) });
      }
      case 'deny': {
        const a = commandArgsSchemas.deny.parse(cmd.args);
        return this.visits.deny(a.visit, a.by, a.reason);
      }
      case 'revoke': {
        const a = commandArgsSchemas.revoke.parse(cmd.args);
        return this.visits.revoke(a.visit, a.by, a.reason);
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

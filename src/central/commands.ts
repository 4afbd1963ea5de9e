/**
 * Sending signed commands to a door: a fresh id, the door's next counter (taken atomically from the store), an
 * expiry, the centre's signature; published at QoS 1 on the door's commands topic (the door's persistent session
 * keeps it while the door is offline), then optionally waiting for the door's signed reply. The personal fields of a
 * pre-registration or a watchlist (name, NIK, phone, free text) are sealed to the door's X25519 key (learnt from its
 * signed status) before anything is recorded or sent: the centre keeps only the command's id, action and reply, and a
 * door whose sealing key it does not know gets nothing (`NoSealKeyError`).
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { MqttClient } from 'mqtt';
import type { KeyPair } from '../adapters/mqtt/keys.js';
import { publicKeyFromText } from '../protocol/signing.js';
import { SEALED_CONTENT, commandArgsSchemas, isSealedAction, parsePayload, replyMessageSchema, type CommandAction, type CommandMessage, type ReplyMessage } from '../protocol/messages.js';
import { seal, sealContext, sealKeyFromText } from '../protocol/sealing.js';
import { signBody, verifyBody } from '../protocol/signing.js';
import { topicOf } from '../protocol/topics.js';
import { UserError } from '../domain/errors.js';
import type { CentralStore } from './store.js';

/** A door whose sealing key the centre has not learnt yet (a door older than issue 14, or one that never sent a status since). */
export class NoSealKeyError extends UserError {
  /** For the door named. */
  constructor(readonly site: string, readonly door: string) {
    super(`door ${site}/${door} has not sent its sealing key yet (it needs pintu with issue 14 and one status message since): personal data is only sent sealed to the door`);
    this.name = 'NoSealKeyError';
  }
}

/** A fresh command id. */
export function commandId(): string {
  return randomUUID().replace(/-/g, '');
}

/**
 * The wire arguments of an action from the arguments as given (personal fields in clear): for a sealed action the
 * fields of its sealed content are checked, sealed to `sealKey` (base64 X25519) bound to site, door, id and action,
 * and only the rest stays in clear. Throws a UserError naming the field and rule broken (never a value).
 */
export function wireArgs(site: string, door: string, id: string, action: CommandAction, args: Record<string, unknown>, sealKey: string | null): Record<string, unknown> {
  const checked = checkArgs(action, args);
  if (!checked.sealed) return checked.clear;
  if (!sealKey) throw new NoSealKeyError(site, door);
  return { ...checked.clear, sealed: seal(sealKeyFromText(sealKey), JSON.stringify(checked.sealed), sealContext(site, door, id, action)) };
}

/** An action's arguments checked: what stays in clear, and what is to be sealed (null: nothing). Throws a UserError naming the field. */
export function checkArgs(action: CommandAction, args: Record<string, unknown>): { clear: Record<string, unknown>; sealed: Record<string, unknown> | null } {
  const problems = (issues: readonly { path: PropertyKey[]; message: string }[]): string => issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ');
  if (!isSealedAction(action)) {
    const ok = commandArgsSchemas[action].safeParse(args);
    if (!ok.success) throw new UserError(`${action}: ${problems(ok.error.issues)}`);
    return { clear: args, sealed: null };
  }
  const content = SEALED_CONTENT[action];
  const inside = Object.fromEntries(Object.entries(args).filter(([k]) => Object.hasOwn(content.shape, k)));
  const outside = Object.fromEntries(Object.entries(args).filter(([k]) => !Object.hasOwn(content.shape, k)));
  const sealedOk = content.safeParse(inside);
  if (!sealedOk.success) throw new UserError(`${action}: ${problems(sealedOk.error.issues)}`);
  const clearOk = (commandArgsSchemas[action] as z.ZodObject).omit({ sealed: true }).safeParse(outside);
  if (!clearOk.success) throw new UserError(`${action}: ${problems(clearOk.error.issues)}`);
  return { clear: outside, sealed: sealedOk.data };
}

/** Build a signed command (exported for tests and the AsyncAPI examples); `args` as on the wire (sealed fields sealed). */
export function buildCommand(key: KeyPair, site: string, door: string, counter: number, action: CommandAction, args: Record<string, unknown>, ttlSeconds: number, now = Date.now(), id = commandId()): CommandMessage {
  const body = {
    v: 1 as const, id, counter, issuedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + ttlSeconds * 1000).toISOString(), action, args,
  };
  return signBody(key.privateKey, 'commands', site, door, body);
}

/** Sends commands and waits for replies. */
export class CommandSender {
  /** Use a connected client, the store and the centre's key. */
  constructor(private readonly client: MqttClient, private readonly store: CentralStore, private readonly key: KeyPair) {}

  /**
   * Validate, seal (personal fields, to the door's key), sign, record and publish a command; with `waitMs` > 0, wait for
   * the door's reply (null on timeout). `args` as the caller has them (personal fields in clear: they never leave unsealed).
   */
  async send(site: string, door: string, action: CommandAction, args: Record<string, unknown>, opts: { ttlSeconds: number; waitMs: number }): Promise<{ command: CommandMessage; reply: ReplyMessage | null }> {
    const rec = await this.store.door(site, door);
    if (!rec) {
      checkArgs(action, args);
      throw new UserError(`door ${site}/${door} is not enrolled (pintu central enroll --site ${site} --door ${door} --key PUB)`);
    }
    const id = commandId();
    const wire = wireArgs(site, door, id, action, args, rec.sealKey);
    const counter = await this.store.nextCounter(site, door);
    const command = buildCommand(this.key, site, door, counter, action, wire, opts.ttlSeconds, Date.now(), id);
    await this.store.recordCommand({ id: command.id, site, door, counter, action, issuedAt: Date.parse(command.issuedAt) });
    const doorKey = publicKeyFromText(rec.publicKey);
    const replyTopic = topicOf(site, door, 'replies');
    let onMessage: ((topic: string, payload: Buffer) => void) | null = null;
    const replied = opts.waitMs > 0 ? new Promise<ReplyMessage | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), opts.waitMs);
      onMessage = (topic, payload) => {
        if (topic !== replyTopic) return;
        const r = parsePayload(replyMessageSchema, payload);
        if (!r || r.id !== command.id || !verifyBody(doorKey, 'replies', site, door, r)) return;
        clearTimeout(timer);
        resolve(r);
      };
      this.client.on('message', onMessage);
    }) : Promise.resolve(null);
    if (opts.waitMs > 0) await this.client.subscribeAsync(replyTopic, { qos: 1 });
    await this.client.publishAsync(topicOf(site, door, 'commands'), JSON.stringify(command), { qos: 1 });
    const reply = await replied;
    if (onMessage) this.client.off('message', onMessage);
    if (reply) await this.store.recordReply(command.id, JSON.stringify(reply), Date.now());
    return { command, reply };
  }
}

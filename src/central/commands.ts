/**
 * Sending signed commands to a door: a fresh id, the door's next counter (taken atomically from the store), an
 * expiry, the centre's signature; published at QoS 1 on the door's commands topic (the door's persistent session
 * keeps it while the door is offline), then optionally waiting for the door's signed reply.
 */
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import type { KeyPair } from '../adapters/mqtt/keys.js';
import { publicKeyFromText } from '../protocol/signing.js';
import { commandArgsSchemas, parsePayload, replyMessageSchema, type CommandAction, type CommandMessage, type ReplyMessage } from '../protocol/messages.js';
import { signBody, verifyBody } from '../protocol/signing.js';
import { topicOf } from '../protocol/topics.js';
import { UserError } from '../domain/errors.js';
import type { CentralStore } from './store.js';

/** Build a signed command (exported for tests and the AsyncAPI examples). */
export function buildCommand(key: KeyPair, site: string, door: string, counter: number, action: CommandAction, args: Record<string, unknown>, ttlSeconds: number, now = Date.now()): CommandMessage {
  const body = {
    v: 1 as const, id: randomUUID().replace(/-/g, ''), counter, issuedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + ttlSeconds * 1000).toISOString(), action, args,
  };
  return signBody(key.privateKey, 'commands', site, door, body);
}

/** Sends commands and waits for replies. */
export class CommandSender {
  /** Use a connected client, the store and the centre's key. */
  constructor(private readonly client: MqttClient, private readonly store: CentralStore, private readonly key: KeyPair) {}

  /** Validate, sign, record and publish a command; with `waitMs` > 0, wait for the door's reply (null on timeout). */
  async send(site: string, door: string, action: CommandAction, args: Record<string, unknown>, opts: { ttlSeconds: number; waitMs: number }): Promise<{ command: CommandMessage; reply: ReplyMessage | null }> {
    const ok = commandArgsSchemas[action].safeParse(args);
    if (!ok.success) throw new UserError(`${action}: ${ok.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const rec = await this.store.door(site, door);
    if (!rec) throw new UserError(`door ${site}/${door} is not enrolled (pintu central enroll --site ${site} --door ${door} --key PUB)`);
    const counter = await this.store.nextCounter(site, door);
    const command = buildCommand(this.key, site, door, counter, action, args, opts.ttlSeconds);
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

/**
 * Payloads of the central-office link (documented in docs/asyncapi.yaml): their schemas, their size limits, and the
 * events message built from stored event texts. What is signed is in signing.ts, the hash chain in chain.ts.
 */
import { z } from 'zod';
import type { StoredEventText } from './chain.js';

/** Largest command payload a door accepts (bytes). */
export const MAX_COMMAND_BYTES = 16 * 1024;
/** Largest events message a receiver accepts (bytes). */
export const MAX_EVENTS_BYTES = 4 * 1024 * 1024;
/** Bytes of an events message with no events: `{"v":1,"events":[],"sig":"…"}` (an Ed25519 signature is 88 base64 chars), rounded up. */
export const EVENTS_ENVELOPE_BYTES = 160;

/**
 * One event's wire JSON built from its stored text, without parsing and re-serialising the data: byte for byte
 * `JSON.stringify` of the parsed event (same keys, same order), as the stored data text is itself `JSON.stringify` output.
 */
export function wireEventText(e: StoredEventText): string {
  return `{"seq":${e.seq},"type":${JSON.stringify(e.type)},"at":${JSON.stringify(e.at)},"data":${e.data},"prevHash":${JSON.stringify(e.prevHash)},"hash":${JSON.stringify(e.hash)}}`;
}

/** An events message's JSON from its events' wire JSON (see `wireEventText`) and its signature: `{"v":1,"events":[…],"sig":…}`. */
export function eventsPayload(eventTexts: readonly string[], sig: string): string {
  return `{"v":1,"events":[${eventTexts.join(',')}],"sig":${JSON.stringify(sig)}}`;
}

const iso = z.string().max(40).refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 time');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const sig = z.string().max(200);

/** One event as sent on the wire. */
export const wireEventSchema = z.object({
  seq: z.number().int().positive(),
  type: z.string().min(1).max(100),
  at: iso,
  // The parsed object as it is: z.record would rebuild it and drop a "__proto__" key, and the hash (over the data's
  // JSON) would then never match at the centre: a chain-break that stalls the door's delivery for good.
  data: z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'must be an object'),
  prevHash: hex64,
  hash: hex64,
}).strict();
/** One event on the wire. */
export type WireEvent = z.infer<typeof wireEventSchema>;

/** `events`: consecutive events of one door, oldest first. */
export const eventsMessageSchema = z.object({ v: z.literal(1), events: z.array(wireEventSchema).min(1).max(1000), sig }).strict();
/** An events message. */
export type EventsMessage = z.infer<typeof eventsMessageSchema>;
/** The events message before signing. */
export type EventsBody = Omit<EventsMessage, 'sig'>;

/**
 * `ack`: the centre has committed every event up to and including `upTo`, and `hash` is the hash it stored for that
 * event. The signature binds site, door, upTo and hash, so an ack is good for one door and one chain only: an ack
 * replayed from another door, or from before the door's log was restored, does not match the door's own event.
 */
export const ackMessageSchema = z.object({ upTo: z.number().int().min(0), hash: hex64, sig }).strict();
/** An ack message. */
export type AckMessage = z.infer<typeof ackMessageSchema>;

/** The door's clock as it judges it (docs/clock.md): trusted; not (yet) synchronised; set back behind its log; jumped forward, unconfirmed. */
export const CLOCK_STATES = ['trusted', 'unsynced', 'rolled-back', 'jumped'] as const;
/** One of `CLOCK_STATES`. */
export type ClockState = (typeof CLOCK_STATES)[number];
/** Verdicts of the door's last health checklist (SOP 002): all ok; some item warns; some item fails. */
export const HEALTH_STATES = ['ok', 'degraded', 'failed'] as const;
/** One of `HEALTH_STATES`. */
export type HealthState = (typeof HEALTH_STATES)[number];

const factText = (max: number): z.ZodString => z.string().min(1).max(max);
/** One door reader in a status: its id, its direction, and whether it is open now. */
export const readerFactSchema = z.object({ id: factText(64), role: z.enum(['in', 'out', 'desk']), up: z.boolean() }).strict();
/** One reader's state in a status. */
export type ReaderFact = z.infer<typeof readerFactSchema>;
/** The door's last health checklist in a status: its verdict and the items that were not ok (failed first). */
export const healthFactSchema = z.object({ state: z.enum(HEALTH_STATES), failing: z.array(factText(64)).max(32) }).strict();
/** The health summary in a status. */
export type HealthFact = z.infer<typeof healthFactSchema>;

/**
 * `status` (retained): online with counters, or offline (also the last will). An online status of a door of issue 13 or
 * later also carries the door's facts (`StatusFacts`); every one is optional, so a status of an older door still parses.
 */
export const statusMessageSchema = z.object({
  state: z.enum(['online', 'offline']),
  at: iso,
  lastSeq: z.number().int().min(0).optional(),
  backlog: z.number().int().min(0).optional(),
  /** pintu's version at the door (package.json). */
  app: factText(64).optional(),
  /** The door's hardware and operating system, one line (device-tree model, OS release, kernel). */
  os: factText(200).optional(),
  /** The door's clock as it judges it. */
  clock: z.enum(CLOCK_STATES).optional(),
  /** The door readers and whether each is up. */
  readers: z.array(readerFactSchema).max(16).optional(),
  /** The last health checklist's verdict. */
  health: healthFactSchema.optional(),
  /** The door's X25519 public key (base64, 32 bytes) that the centre seals personal fields to (issue 14). */
  sealKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/).optional(),
  sig,
}).strict();
/** A status message. */
export type StatusMessage = z.infer<typeof statusMessageSchema>;
/** The door's facts an online status carries (each optional: a door sends what it knows). */
export type StatusFacts = Pick<StatusMessage, 'app' | 'os' | 'clock' | 'readers' | 'health' | 'sealKey'>;

const device = z.object({ description: z.string().min(1).max(200), serial: z.string().min(1).max(100) }).strict();
const officerId = z.string().min(1).max(32);
const visitId = z.string().min(1).max(40);

/** A field sealed to the door's X25519 key (protocol/sealing.ts: `s1.` + base64), small enough for one command. */
const sealedText = z.string().startsWith('s1.').max(15 * 1024);

/** The personal fields of a pre-registration: sealed to the door, never in clear on the wire (issue 14 item 5). */
export const preregisterSealedSchema = z.object({
  name: z.string().min(1).max(200), nik: z.string().min(1).max(32), org: z.string().min(1).max(200), phone: z.string().max(40).optional(),
  purpose: z.string().min(1).max(1000), letterRef: z.string().max(200).optional(), devices: z.array(device).max(50).optional(),
}).strict();
/** One watchlist entry as the centre sends it (sealed): the NIK, why, and until when it holds. */
export const watchlistEntrySchema = z.object({ nik: z.string().min(1).max(32), reason: z.string().min(1).max(500), until: iso }).strict();
/** The entries of a `watchlist` command: sealed to the door, which keeps only their keyed NIK hashes and masked NIKs. */
export const watchlistSealedSchema = z.object({ entries: z.array(watchlistEntrySchema).max(100) }).strict();

/** Arguments of each command action (as on the wire: personal fields only inside `sealed`). */
export const commandArgsSchemas = {
  preregister: z.object({ sealed: sealedText, plannedMinutes: z.number().int().min(1).max(1440).optional(), by: officerId.optional() }).strict(),
  approve: z.object({ visit: visitId, by: officerId, from: iso.optional(), until: iso.optional() }).strict(),
  deny: z.object({ visit: visitId, by: officerId, reason: z.string().min(1).max(500) }).strict(),
  revoke: z.object({ visit: visitId, by: officerId, reason: z.string().min(1).max(500) }).strict(),
  /** A watchlist from the centre: `add` its entries, or `replace` every entry the centre sent before (local entries stay). */
  watchlist: z.object({ sealed: sealedText, mode: z.enum(['add', 'replace']), by: z.string().min(1).max(64) }).strict(),
} as const;
/** What `sealed` holds, for the actions that carry one. */
export const SEALED_CONTENT = { preregister: preregisterSealedSchema, watchlist: watchlistSealedSchema } as const;
/** A command action whose personal fields are sealed to the door. */
export type SealedAction = keyof typeof SEALED_CONTENT;
/** Whether an action carries sealed fields. */
export function isSealedAction(action: string): action is SealedAction {
  return Object.hasOwn(SEALED_CONTENT, action);
}
/** A command action. */
export type CommandAction = keyof typeof commandArgsSchemas;
/** All command actions. */
export const COMMAND_ACTIONS = Object.keys(commandArgsSchemas) as CommandAction[];

/** `commands`: a signed command from the centre. */
export const commandMessageSchema = z.object({
  v: z.literal(1),
  id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  counter: z.number().int().positive(),
  issuedAt: iso,
  expiresAt: iso,
  action: z.enum(COMMAND_ACTIONS as [CommandAction, ...CommandAction[]]),
  args: z.record(z.string(), z.unknown()),
  sig,
}).strict().superRefine((c, ctx) => {
  const r = commandArgsSchemas[c.action].safeParse(c.args);
  if (!r.success) ctx.addIssue({ code: 'custom', path: ['args'], message: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
});
/** A command message. */
export type CommandMessage = z.infer<typeof commandMessageSchema>;

/** Why a door refused a command. */
export type RejectReason = 'oversized' | 'malformed' | 'bad-signature' | 'expired' | 'replay' | 'no-central-key' | 'bad-seal';

/** `replies`: the outcome of a command. */
export const replyMessageSchema = z.object({
  v: z.literal(1),
  id: z.string().max(64),
  ok: z.boolean(),
  action: z.string().max(32).optional(),
  visit: z.string().max(40).optional(),
  state: z.string().max(32).optional(),
  error: z.string().max(500).optional(),
  rejected: z.enum(['oversized', 'malformed', 'bad-signature', 'expired', 'replay', 'no-central-key', 'bad-seal']).optional(),
  at: iso,
  sig,
}).strict();
/** A reply message. */
export type ReplyMessage = z.infer<typeof replyMessageSchema>;

/** Parse JSON bytes against a schema; null if either step fails. */
export function parsePayload<T>(schema: z.ZodType<T>, payload: Buffer | string): T | null {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch {
    return null;
  }
  const r = schema.safeParse(raw);
  return r.success ? r.data : null;
}

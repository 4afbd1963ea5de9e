/**
 * What the central receiver stores, independent of the database: enrolled doors, their events (unique site + door
 * + seq), alerts and commands. `checkBatch` is the one place that decides which events of a message may be
 * stored: duplicates are skipped, the first new one must follow the last stored seq, and every hash must chain.
 */
import { eventDataText, eventHash } from '../protocol/chain.js';
import type { ClockState, HealthFact, ReaderFact, StatusFacts, WireEvent } from '../protocol/messages.js';
import { isAlertType } from '../domain/events.js';

/** An enrolled door as the centre sees it. */
export interface DoorRecord {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** The door's Ed25519 public key (base64 raw). */
  publicKey: string;
  /** When it was enrolled (ms). */
  enrolledAt: number;
  /** Highest seq stored (0: none). */
  lastSeq: number;
  /** Hash of that event (64 zeros: none). */
  lastHash: string;
  /** Last status the door published: online, offline, or unknown. */
  state: 'online' | 'offline' | 'unknown';
  /** When that status was published (ms), or null. */
  statusAt: number | null;
  /** The door's own last seq, from its last status message. */
  reportedLastSeq: number | null;
  /** When anything last arrived from the door (ms), or null. */
  lastSeenAt: number | null;
  /** pintu's version at the door, from its last status that said (null: never said: an older door). */
  app: string | null;
  /** The door's hardware and OS in one line, from its last status that said, or null. */
  os: string | null;
  /** The door's clock as it judged it in its last status that said (trusted, unsynced, rolled-back, jumped), or null. */
  clock: ClockState | null;
  /** The door readers and whether each was up, from its last status that said, or null. */
  readers: ReaderFact[] | null;
  /** The door's last health checklist (ok, degraded, failed and the items not ok), from its last status that said, or null. */
  health: HealthFact | null;
  /** The door's X25519 sealing key (base64) from its signed status, or null (not known: personal data is not sent to it). */
  sealKey: string | null;
}

/** One stored event with its origin. */
export interface CentralEvent extends WireEvent {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** When the centre stored it (ms). */
  receivedAt: number;
}

/** Outcome of ingesting one message. */
export interface IngestResult {
  /** stored (something new), duplicate (nothing new), gap, chain-break, conflict (a stored seq with another hash), unknown-door. */
  outcome: 'stored' | 'duplicate' | 'gap' | 'chain-break' | 'conflict' | 'unknown-door';
  /** Events newly stored. */
  stored: number;
  /** Highest seq stored for the door after this message (what is acknowledged). */
  lastSeq: number;
  /** The stored hash of event `lastSeq` (the ack names it, binding the ack to the door's chain). */
  lastHash: string;
  /** What was wrong, for the alert. */
  detail?: string;
}

/** One message's events for `ingestMany`. */
export interface IngestBatch {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** Its events; `dataJson` (when given) is the data text (`eventDataText(data)`) as received, hashed and stored as it is. */
  events: readonly (WireEvent & { dataJson?: string })[];
}

/** The data text of an event as hashed and stored (protocol/chain.ts): the received text when the receiver kept it. */
export function dataJsonOf(e: WireEvent & { dataJson?: string }): string {
  return e.dataJson ?? eventDataText(e.data);
}

/** An alert raised by the receiver. */
export interface Alert {
  /** Alert number. */
  id: number;
  /** When (ms). */
  at: number;
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** gap, chain-break, conflict, unknown-door, bad-signature, offline, malformed; or a door alarm's event type (`alertOf`). */
  kind: string;
  /** Details. */
  detail: string;
}

/** A filter for stored events. */
export interface EventFilter {
  /** Only this site. */
  site?: string;
  /** Only this door. */
  door?: string;
  /** Only types starting with this. */
  type?: string;
  /** `at` at or after this ISO time. */
  from?: string;
  /** `at` before this ISO time. */
  to?: string;
  /** At most this many (default 10000). */
  limit?: number;
}

/** A command as the centre recorded it. */
export interface CommandRecord {
  /** Command id. */
  id: string;
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** Counter used. */
  counter: number;
  /** Action. */
  action: string;
  /** When sent (ms). */
  issuedAt: number;
  /** The door's reply JSON, once it arrived. */
  reply: string | null;
}

/** The central store (SQLite or PostgreSQL). */
export interface CentralStore {
  /** Enrol (or re-key) a door; a re-keyed door's sealing key is forgotten until its next status. */
  enroll(site: string, door: string, publicKey: string, at: number): Promise<void>;
  /** One door, or null if not enrolled. */
  door(site: string, door: string): Promise<DoorRecord | null>;
  /** All doors, by site and door. */
  doors(): Promise<DoorRecord[]>;
  /** Store a verified-signature message's events in one transaction (checked by `checkBatch`). */
  ingest(site: string, door: string, events: readonly WireEvent[], at: number): Promise<IngestResult>;
  /**
   * Store several verified-signature messages (of one or many doors, each door's in arrival order) in one transaction:
   * each is checked by `checkBatch` against what the messages before it left, and gets its own result.
   */
  ingestMany(batches: readonly IngestBatch[], at: number): Promise<IngestResult[]>;
  /** Record a status message; the door's facts it carries replace the stored ones (facts it leaves out stay as they were). */
  setStatus(site: string, door: string, state: 'online' | 'offline', statusAt: number, reportedLastSeq: number | null, facts?: StatusFacts): Promise<void>;
  /** Mark the door offline if it is online and nothing arrived from it since `silentSince` (ms); true if this call changed it. */
  markSilent(site: string, door: string, silentSince: number): Promise<boolean>;
  /** Raise an alert. */
  alert(site: string, door: string, kind: string, detail: string, at: number): Promise<void>;
  /** Alerts, newest first. */
  alerts(limit?: number): Promise<Alert[]>;
  /** Stored events, in site, door, seq order. */
  events(filter: EventFilter): Promise<CentralEvent[]>;
  /** Take the next command counter of a door (atomically). */
  nextCounter(site: string, door: string): Promise<number>;
  /** Record a sent command. */
  recordCommand(c: Omit<CommandRecord, 'reply'>): Promise<void>;
  /** Record a reply to a command. */
  recordReply(id: string, reply: string, at: number): Promise<void>;
  /** A command by id. */
  command(id: string): Promise<CommandRecord | null>;
  /** Close the connection. */
  close(): Promise<void>;
}

/** Door event types (besides every `alarm.*`) that officers must act on: each becomes an alert at the centre (the catalogue's list). */
export { ALERT_EVENT_TYPES } from '../domain/events.js';

/** The alert a stored door event raises (kind = the event type), or null. Raised once, in the transaction that stores it. */
export function alertOf(e: WireEvent & { dataJson?: string }): { kind: string; detail: string } | null {
  if (!isAlertType(e.type)) return null;
  const data = dataJsonOf(e);
  return { kind: e.type, detail: `seq ${e.seq} at ${e.at}: ${data.length > 300 ? `${data.slice(0, 299)}…` : data}` };
}

/** Decide which events of a message to store, given the door's last stored seq and hash. */
export function checkBatch<E extends WireEvent & { dataJson?: string }>(door: string, lastSeq: number, lastHash: string, events: readonly E[]): { accept: E[]; outcome: IngestResult['outcome']; detail?: string } {
  const accept: E[] = [];
  let seq = lastSeq;
  let prev = lastHash;
  for (const e of events) {
    if (e.seq < seq) continue;
    if (e.seq === seq) {
      if (seq > 0 && e.hash !== prev) return { accept, outcome: 'conflict', detail: `seq ${e.seq} arrived with another hash than the stored one` };
      continue;
    }
    if (e.seq !== seq + 1) {
      return { accept, outcome: accept.length ? 'stored' : 'gap', detail: `expected seq ${seq + 1}, got ${e.seq}` };
    }
    if (e.prevHash !== prev) return { accept, outcome: 'chain-break', detail: `seq ${e.seq} does not chain to seq ${seq}` };
    if (eventHash(e.prevHash, door, e.seq, e.type, e.at, dataJsonOf(e)) !== e.hash) {
      return { accept, outcome: 'chain-break', detail: `seq ${e.seq} hash does not match its content` };
    }
    accept.push(e);
    seq = e.seq;
    prev = e.hash;
  }
  return { accept, outcome: accept.length ? 'stored' : 'duplicate' };
}

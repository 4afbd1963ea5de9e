/**
 * The MQTT topic map of the central-office link (documented in docs/asyncapi.yaml):
 * `pintu/v1/{site}/{door}/{status|events|ack|commands|replies}`, and which payload each topic carries.
 */
import type { AckMessage, CommandMessage, EventsMessage, ReplyMessage, StatusMessage } from './messages.js';

/** Protocol prefix of every topic. */
export const TOPIC_PREFIX = 'pintu/v1';
/** Shared-subscription group the central receivers join. */
export const SHARE_GROUP = 'pintu-central';

/** Each topic kind and the payload it carries. */
export interface TopicPayloads {
  /** door → centre, retained; the last will says offline. */
  status: StatusMessage;
  /** door → centre, QoS 1, events in seq order. */
  events: EventsMessage;
  /** centre → door, QoS 1, after the centre has committed the events. */
  ack: AckMessage;
  /** centre → door, QoS 1, signed commands. */
  commands: CommandMessage;
  /** door → centre, QoS 1, the outcome of each command. */
  replies: ReplyMessage;
}

/** A topic kind. */
export type TopicKind = keyof TopicPayloads;
/** All topic kinds. */
export const TOPIC_KINDS: readonly TopicKind[] = ['status', 'events', 'ack', 'commands', 'replies'];

/** The topic of one door's kind. */
export function topicOf(site: string, door: string, kind: TopicKind): string {
  return `${TOPIC_PREFIX}/${site}/${door}/${kind}`;
}

/** The wildcard topic of one kind for every door. */
export function allDoors(kind: TopicKind): string {
  return `${TOPIC_PREFIX}/+/+/${kind}`;
}

/** The shared-subscription filter of one kind (several receivers share the load). */
export function shared(kind: TopicKind, group = SHARE_GROUP): string {
  return `$share/${group}/${allDoors(kind)}`;
}

/** A parsed topic. */
export interface ParsedTopic {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** Topic kind. */
  kind: TopicKind;
}

/** Parse a pintu topic; null if it is not one. */
export function parseTopic(topic: string): ParsedTopic | null {
  const p = topic.split('/');
  if (p.length !== 5 || `${p[0]}/${p[1]}` !== TOPIC_PREFIX) return null;
  const [, , site, door, kind] = p as [string, string, string, string, string];
  if (!site || !door || !(TOPIC_KINDS as readonly string[]).includes(kind)) return null;
  return { site, door, kind: kind as TopicKind };
}

/**
 * The console's message catalogue: every officer-facing text, in Bahasa Indonesia (default) and English, merged from
 * one section per screen group. Code names keys only; `translator(lang)` turns a key and its parameters into text.
 */
import { common } from './common.js';
import { signin } from './signin.js';
import { visit } from './visit.js';
import { queue } from './queue.js';
import { visits } from './visits.js';
import { request } from './request.js';
import { desk } from './desk.js';
import { errors } from './errors.js';
import { events } from './events.js';
import { door } from './door.js';
import { officers } from './officers.js';
import { account } from './account.js';
import { incidents } from './incidents.js';
import { maintenance } from './maintenance.js';
import { safeguards } from './safeguards.js';
import { watchlist } from './watchlist.js';
import { secureBadges } from './secure-badges.js';
import { health } from './health.js';
import type { Section } from './define.js';

/** Every section, in no particular order (each owns a key prefix). */
const SECTIONS = [common, signin, visit, queue, visits, request, desk, errors, events, door, officers, account, incidents, maintenance, safeguards, watchlist, secureBadges, health] as const;

export { LANGS, type Lang, type MessageParams } from './catalogue.js';
import { MessageCatalogue, type TranslateOf } from './catalogue.js';

/** Every message key. */
export type MessageKey = KeysOf<(typeof SECTIONS)[number]>;

/** The keys of a section (distributes over a union of sections). */
type KeysOf<S> = S extends Section<infer K> ? K : never;

/** Turns a key into text in one language. */
export type Translate = TranslateOf<MessageKey>;

/** The console's merged catalogues (built once per process by the console, not at import). */
export class Catalogue extends MessageCatalogue<MessageKey> {
  /** Merge the console's sections. */
  constructor() {
    super(SECTIONS);
  }
}

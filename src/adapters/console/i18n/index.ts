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
import type { Section } from './define.js';

/** Every section, in no particular order (each owns a key prefix). */
const SECTIONS = [common, signin, visit, queue, visits, request, desk, errors, events, door, officers, account, incidents, maintenance] as const;

/** A language of the console. */
export type Lang = 'id' | 'en';
/** All languages, default first. */
export const LANGS: readonly Lang[] = ['id', 'en'];

/** Every message key. */
export type MessageKey = KeysOf<(typeof SECTIONS)[number]>;

/** The keys of a section (distributes over a union of sections). */
type KeysOf<S> = S extends Section<infer K> ? K : never;

/** Parameters of a message (`{name}` placeholders). */
export type MessageParams = Record<string, string | number>;

/** Turns a key into text in one language. */
export type Translate = (key: MessageKey, params?: MessageParams) => string;

function merge(lang: Lang): Record<string, string> {
  const all: Record<string, string> = {};
  for (const s of SECTIONS) {
    for (const [k, v] of Object.entries(s[lang] as Record<string, string>)) {
      if (k in all) throw new Error(`message key ${k} is defined twice`);
      all[k] = v;
    }
  }
  return all;
}

/** The merged catalogues (built once per process by the console, not at import). */
export class Catalogue {
  private readonly texts: Record<Lang, Record<string, string>> = { id: merge('id'), en: merge('en') };

  /** Every key (for tests). */
  keys(): string[] {
    return Object.keys(this.texts.id);
  }

  /** The raw text of a key in a language. */
  raw(lang: Lang, key: string): string | undefined {
    return this.texts[lang][key];
  }

  /** A translator for one language. */
  translator(lang: Lang): Translate {
    const texts = this.texts[lang];
    return (key, params) => {
      const text = texts[key] ?? key;
      if (!params) return text;
      return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
    };
  }
}

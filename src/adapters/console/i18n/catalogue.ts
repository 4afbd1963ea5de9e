/**
 * A message catalogue merged from sections (the officers' console and the central dashboard each have their own):
 * every key defined once, Indonesian and English with the same keys; `translator(lang)` fills `{name}` placeholders.
 */
import type { Section } from './define.js';

/** A language of the console and the dashboard. */
export type Lang = 'id' | 'en';
/** All languages, default first. */
export const LANGS: readonly Lang[] = ['id', 'en'];

/** Parameters of a message (`{name}` placeholders). */
export type MessageParams = Record<string, string | number>;

/** Turns a key of `K` into text in one language. */
export type TranslateOf<K extends string> = (key: K, params?: MessageParams) => string;

function merge(sections: readonly Section<string>[], lang: Lang): Record<string, string> {
  const all: Record<string, string> = {};
  for (const s of sections) {
    for (const [k, v] of Object.entries(s[lang] as Record<string, string>)) {
      if (k in all) throw new Error(`message key ${k} is defined twice`);
      all[k] = v;
    }
  }
  return all;
}

/** The merged catalogues of a set of sections (built once per process, not at import). */
export class MessageCatalogue<K extends string> {
  private readonly texts: Record<Lang, Record<string, string>>;

  /** Merge the sections (a key defined twice throws). */
  constructor(sections: readonly Section<string>[]) {
    this.texts = { id: merge(sections, 'id'), en: merge(sections, 'en') };
  }

  /** Every key (for tests). */
  keys(): string[] {
    return Object.keys(this.texts.id);
  }

  /** The raw text of a key in a language. */
  raw(lang: Lang, key: string): string | undefined {
    return this.texts[lang][key];
  }

  /** A translator for one language. */
  translator(lang: Lang): TranslateOf<K> {
    const texts = this.texts[lang];
    return (key, params) => {
      const text = texts[key] ?? key;
      if (!params) return text;
      return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
    };
  }
}

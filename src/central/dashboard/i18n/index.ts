/**
 * The dashboard's message catalogue: every analyst-facing text, in Bahasa Indonesia (default) and English, merged from
 * one section per screen group (written with the console's `section()`). Code names keys only.
 */
import { MessageCatalogue, type TranslateOf } from '../../../adapters/console/i18n/catalogue.js';
import type { Section } from '../../../adapters/console/i18n/define.js';
import { common } from './common.js';
import { fleet } from './fleet.js';
import { alerts } from './alerts.js';
import { visits } from './visits.js';
import { reports } from './reports.js';
import { users } from './users.js';

export { LANGS, type Lang, type MessageParams } from '../../../adapters/console/i18n/catalogue.js';

/** Every section (each owns a key prefix). */
const SECTIONS = [common, fleet, alerts, visits, reports, users] as const;

/** The keys of a section (distributes over a union of sections). */
type KeysOf<S> = S extends Section<infer K> ? K : never;

/** Every message key of the dashboard. */
export type DashKey = KeysOf<(typeof SECTIONS)[number]>;

/** Turns a key into text in one language. */
export type DashTranslate = TranslateOf<DashKey>;

/** The dashboard's merged catalogues (built once per process). */
export class DashboardCatalogue extends MessageCatalogue<DashKey> {
  /** Merge the dashboard's sections. */
  constructor() {
    super(SECTIONS);
  }
}

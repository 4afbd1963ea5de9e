/**
 * Every event type of the catalogue (src/domain/events.ts) has officer text in Indonesian and English (i18n/events.ts),
 * and an event built from its schema reads as whole text: every placeholder filled, officers by name, badges by label,
 * an unknown card's UID never printed whole, times in the site's zone with its abbreviation.
 */
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, eventJsonSchema, type EventType, type StoredEvent } from '../../src/domain/events.js';
import { Catalogue, LANGS } from '../../src/adapters/console/i18n/index.js';
import { EVENT_PARAMS, eventKey, eventNames, eventText, shortUid } from '../../src/adapters/console/event-text.js';
import type { Officer, VisitorBadge } from '../../src/domain/types.js';

type Schema = { type?: string | string[]; enum?: unknown[]; const?: unknown; properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[] };

/** An officer's badge, a pool badge, and a card nobody knows. */
const OFFICER_UID = '04AA11BB22CC33';
const POOL_UID = '04DD44EE55FF66';
const UNKNOWN_UID = '0499887766554433';

/** A value for every field of a payload schema (optional ones too), with ids and UIDs that can be looked for. */
function sample(s: Schema, key: string): unknown {
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  if (s.anyOf) return sample(s.anyOf.find((x) => x.type !== 'null') ?? s.anyOf[0]!, key);
  const type = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  switch (type) {
    case 'object': return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, sample(v, k)]));
    case 'array': return [sample(s.items ?? { type: 'string' }, key)];
    case 'number': case 'integer': return 42;
    case 'boolean': return true;
    default:
      if (key === 'badge') return UNKNOWN_UID;
      if (['officer', 'by', 'escort', 'officerOutside'].includes(key)) return 'O1';
      if (/^(valid|expires|newest|vouched|cutoff|until|from)/i.test(key)) return '2026-12-01T01:30:00.000Z';
      return `x-${key}`;
  }
}

const catalogue = new Catalogue();
const officers: Officer[] = [{ id: 'O1', name: 'Budi Santoso', role: 'head', badgeUid: OFFICER_UID, active: true, presence: 'outside', enteredAt: null }];
const badges: VisitorBadge[] = [{ uid: POOL_UID, label: 'TAMU-03', status: 'issued', visitId: 'V-20261201-001' }];
const names = eventNames({ officers: () => officers, badges: () => badges }, 'Asia/Jakarta');
const stored = (type: EventType, data: Record<string, unknown>): StoredEvent => ({ door: 'd1', seq: 1, type, at: '2026-12-01T01:00:00.000Z', data, prevHash: '0'.repeat(64), hash: '0'.repeat(64) }) as StoredEvent;

describe('event texts', () => {
  it('every event type of the catalogue has a text in both languages', () => {
    const missing: string[] = [];
    for (const type of EVENT_TYPES) {
      for (const lang of LANGS) {
        const text = catalogue.raw(lang, eventKey(type));
        if (!text || !text.trim()) missing.push(`${lang}: ${type}`);
      }
    }
    expect(missing).toEqual([]);
    expect(EVENT_TYPES.filter((type) => !EVENT_PARAMS[type]), 'event types without their parameters in EVENT_PARAMS').toEqual([]);
  });

  it('every event built from its schema reads as whole officer text, in both languages', () => {
    const problems: string[] = [];
    for (const type of EVENT_TYPES) {
      const data = sample(eventJsonSchema(type) as Schema, '') as Record<string, unknown>;
      for (const lang of LANGS) {
        const text = eventText(catalogue.translator(lang), stored(type, data), names);
        if (/\{\w+\}/.test(text)) problems.push(`${lang} ${type}: placeholder left in "${text}"`);
        if (text.includes('ev.') || text.includes('[object')) problems.push(`${lang} ${type}: key or object in "${text}"`);
        if (text.includes(UNKNOWN_UID) || text.includes(OFFICER_UID)) problems.push(`${lang} ${type}: whole UID in "${text}"`);
        if (/\d{4}-\d{2}-\d{2}T/.test(text)) problems.push(`${lang} ${type}: ISO time instead of site time in "${text}"`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('names officers, labels pool badges, shortens unknown cards, and shows times in the site zone', () => {
    const t = catalogue.translator('id');
    const granted = eventText(t, stored('access.granted', { reader: 'in', direction: 'in', badge: POOL_UID, holder: 'visitor', visit: 'V-20261201-001', escort: 'O1' }), names);
    expect(granted).toBe('Akses diberikan: pengunjung kunjungan V-20261201-001 (kartu TAMU-03) masuk, didampingi Budi Santoso (pembaca in)');
    const officerIn = eventText(t, stored('access.granted', { reader: 'in', direction: 'in', badge: OFFICER_UID, holder: 'officer', officer: 'O1' }), names);
    expect(officerIn).toContain('Budi Santoso');
    expect(officerIn).not.toContain(OFFICER_UID);
    const unknown = eventText(t, stored('access.denied', { reader: 'in', direction: 'in', reason: 'unknown-badge', badge: UNKNOWN_UID }), names);
    expect(unknown).toBe(`Akses ditolak: kartu ${shortUid(UNKNOWN_UID)} masuk — kartu tidak terdaftar (pembaca in)`);
    expect(shortUid(UNKNOWN_UID)).toBe('••••4433');
    const approved = eventText(catalogue.translator('en'), stored('visit.approved', { visit: 'V-20261201-001', officer: 'O1', validFrom: '2026-12-01T01:00:00.000Z', validUntil: '2026-12-01T16:59:59.999Z', step: 3, sopStep: 'decide' }), names);
    expect(approved).toBe('Visit V-20261201-001 approved by Budi Santoso, valid 2026-12-01 08:00:00 WIB (+07:00) – 2026-12-01 23:59:59 WIB (+07:00)');
  });

  it('a failed health item is named in officer words (issue 16 items too); a reader\'s id follows; an unknown item keeps its name', () => {
    const id = catalogue.translator('id');
    const en = catalogue.translator('en');
    const alarm = (item: string): StoredEvent => stored('alarm.health', { item, value: null, detail: 'x' });
    expect(eventText(id, alarm('storage-wear'), names)).toBe('Peringatan: daftar periksa kinerja — keausan kartu SD rusak');
    expect(eventText(en, alarm('ups-mains'), names)).toBe('Alarm: health checklist — mains power at the UPS failed');
    expect(eventText(id, alarm('daemon'), names)).toBe('Peringatan: daftar periksa kinerja — layanan pintu (daemon) rusak');
    expect(eventText(id, alarm('reader:in'), names)).toBe('Peringatan: daftar periksa kinerja — pembaca kartu in rusak');
    expect(eventText(en, alarm('desk-reader:desk'), names)).toBe('Alarm: health checklist — desk card reader desk failed');
    expect(eventText(en, alarm('future-item'), names)).toBe('Alarm: health checklist — future-item failed');
  });

  it('an event type this console does not know says its type instead of failing', () => {
    const t = catalogue.translator('en');
    expect(eventText(t, { type: 'future.thing', data: {} } as unknown as StoredEvent, names)).toBe('Event future.thing');
  });
});

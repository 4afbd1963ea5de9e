/**
 * Which fields of a visit are personal data, and how a visit row keeps them: the `data` JSON holds the visit with those
 * fields blanked, the `sealed` column one AES-256-GCM ciphertext of them all (one seal per save, one open per read: the
 * tap path reads a visit by its badge and pays one AES-GCM open of a few hundred bytes), bound to the visit id.
 *
 * Personal: the visitor's name, NIK and phone, and the free text that may hold names or numbers (purpose, deny and
 * revoke reasons, the disposition's `orderedBy`, checklist notes). Kept in clear: ids, states, times, officer ids, the
 * institution (`org`: an organisation, not a person; the console's institution filter reads it), devices, the letter
 * reference, and the KTP hash (already a keyed hash). Officers' names (the `officers` table) stay in clear too: they are
 * the institution's own staff on its access list, shown on every console page and needed on each officer tap.
 */
import type { Visit } from '../../domain/types.js';
import type { FieldCipher } from './field-cipher.js';

/** The personal fields of one visit, as sealed. */
interface PersonalFields {
  name: string;
  nik: string;
  phone: string | null;
  purpose: string;
  denyReason: string | null;
  revokeReason: string | null;
  orderedBy?: string;
  checklistNotes?: (string | null)[];
}

/** The AAD binding a visit's sealed fields to that visit. */
export const visitAad = (id: string): string => `pintu/visit/${id}`;
/** The AAD binding a visit's sealed search name to that visit. */
export const searchAad = (id: string): string => `pintu/visit_search/${id}`;
/** The AAD binding a watchlist entry's reason to that entry. */
export const watchlistAad = (id: number): string => `pintu/watchlist/${id}`;
/** The AAD binding an incident note to its entry. */
export const incidentAad = (id: number): string => `pintu/incident/${id}`;

/** A visit split into its JSON without personal fields and the JSON of those fields. */
export function splitVisit(v: Visit): { clear: Visit; personal: string } {
  const p: PersonalFields = {
    name: v.visitor.name, nik: v.visitor.nik, phone: v.visitor.phone, purpose: v.purpose, denyReason: v.denyReason, revokeReason: v.revokeReason,
  };
  const clear: Visit = {
    ...v,
    visitor: { ...v.visitor, name: '', nik: '', phone: null },
    purpose: '', denyReason: v.denyReason === null ? null : '', revokeReason: v.revokeReason === null ? null : '',
  };
  if (v.disposition) { p.orderedBy = v.disposition.orderedBy; clear.disposition = { ...v.disposition, orderedBy: '' }; }
  if (v.checklist) { p.checklistNotes = v.checklist.map((c) => c.note); clear.checklist = v.checklist.map((c) => ({ ...c, note: c.note === null ? null : '' })); }
  return { clear, personal: JSON.stringify(p) };
}

/** The visit again from its clear JSON and the JSON of its personal fields. */
export function joinVisit(clear: Visit, personal: string): Visit {
  const p = JSON.parse(personal) as PersonalFields;
  const v: Visit = {
    ...clear, visitor: { ...clear.visitor, name: p.name, nik: p.nik, phone: p.phone }, purpose: p.purpose, denyReason: p.denyReason, revokeReason: p.revokeReason,
  };
  if (clear.disposition && p.orderedBy !== undefined) v.disposition = { ...clear.disposition, orderedBy: p.orderedBy };
  if (clear.checklist && p.checklistNotes) v.checklist = clear.checklist.map((c, i) => ({ ...c, note: p.checklistNotes![i] ?? null }));
  return v;
}

/** Seal and open visit rows with one cipher, keeping the last few seals so a save that changes no personal field re-uses its ciphertext. */
export class VisitSealer {
  private readonly recent = new Map<string, { personal: string; sealed: string }>();

  /** Bind to a cipher. */
  constructor(readonly cipher: FieldCipher) {}

  /** The row's `data` and `sealed` for a visit; `reused`: its personal fields did not change since last read or saved here. */
  seal(v: Visit): { data: string; sealed: string; reused: boolean } {
    const { clear, personal } = splitVisit(v);
    const last = this.recent.get(v.id);
    // The tap path saves a visit whose personal fields did not change (presence, times): no new seal, no new bytes.
    const reused = last !== undefined && last.personal === personal && last.sealed.startsWith(`pe1:${this.cipher.keyId}:`);
    const sealed = reused ? last.sealed : this.cipher.seal(personal, visitAad(v.id));
    this.remember(v.id, personal, sealed);
    return { data: JSON.stringify(clear), sealed, reused };
  }

  /** The visit of a row (`sealed` null: a row written in clear, before encryption was switched on). */
  open(data: string, sealed: string | null): Visit {
    const clear = JSON.parse(data) as Visit;
    if (sealed === null) return clear;
    const personal = this.cipher.open(sealed, visitAad(clear.id));
    this.remember(clear.id, personal, sealed);
    return joinVisit(clear, personal);
  }

  private remember(id: string, personal: string, sealed: string): void {
    this.recent.delete(id);
    this.recent.set(id, { personal, sealed });
    if (this.recent.size > 256) this.recent.delete(this.recent.keys().next().value!);
  }
}

/**
 * A head reveals one visitor's full NIK (issue 14, item 2): everywhere else the NIK is masked (`maskNik`). Only an
 * active head may, with a reason; each reveal is a `visit.nik_revealed` event naming the visit, the head and the
 * reason — never the NIK.
 */
import { NotFound, Refused } from '../domain/errors.js';
import { event } from '../domain/events.js';
import type { StorePort } from '../ports/store.js';
import { checkEventText, checkText, required } from './input-checks.js';

/** Reveal the full NIK of visit `id` to head `by` for `reason`; writes the event in the same transaction. */
export function revealNik(store: StorePort, now: number, id: string, by: string, reason: string): string {
  required(reason, 'reason', 'reason for revealing the NIK');
  checkText(reason, 'reason', 'reason for revealing the NIK', 'reason');
  return store.tx(() => {
    const officer = store.officer(by.trim().toUpperCase());
    if (!officer) throw new NotFound('officer', `no officer with id "${by}"`, { field: 'by' });
    if (officer.role !== 'head' || !officer.active) {
      throw new Refused(`officer ${officer.id} is ${officer.active ? officer.role : 'deactivated'}; only an active head may reveal a NIK (everyone else sees it masked)`,
        { field: 'by', code: 'role', params: { officer: officer.id, role: officer.role, action: 'reveal_nik', allowed: 'head' } });
    }
    const visit = store.visit(id.trim().toUpperCase());
    if (!visit) throw new NotFound('visit', `no visit with id "${id}"`, { field: 'visit' });
    if (!visit.visitor.nik) throw new Refused(`visit ${visit.id} no longer holds a NIK (purged)`, { field: 'visit' });
    checkEventText(reason, 'reason', 'reason for revealing the NIK', visit.visitor);
    store.events.append([event('visit.nik_revealed', { visit: visit.id, officer: officer.id, reason: reason.trim() })], now);
    return visit.visitor.nik;
  });
}

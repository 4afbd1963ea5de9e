/**
 * Data-subject requests (UU PDP 27/2022, issue 14 item 4): a person asks what the door holds about them, for a copy,
 * or for its erasure. Their visits are found only by the keyed hash of their NIK (`nikHash`, the `nik_hash` column),
 * never by reading every visit's NIK; visits written before the hash existed are given theirs first (`backfillNikHashes`).
 * An export holds every record about the person — their visits with all fields, the incident-book entries naming those
 * visits, and the events naming them; an erasure (a head, with a reason, refused while a visit is still open) erases
 * the personal fields and free text exactly as the retention purge does, never the events, so the hash chain stays whole.
 */
import type { Incident, StorePort, StoredEvent } from '../ports/store.js';
import type { Visit } from '../domain/types.js';
import { checkNik, maskNik } from '../domain/nik.js';
import { Refused, UserError } from '../domain/errors.js';
import { event } from '../domain/events.js';
import { nikHash } from './secret.js';
import { checkText, required } from './input-checks.js';
import { closedAt, eraseVisit, isPurged, noCategories } from './maintenance/purge.js';

/** Most events exported per visit (a visit has tens; the cap only bounds a pathological log). */
const EVENTS_PER_VISIT = 100_000;

/** One visit as `subject find` lists it (no NIK, no name). */
export interface SubjectVisit {
  /** Visit id. */
  visit: string;
  /** SOP state. */
  state: string;
  /** When it was requested (ms). */
  requestedAt: number | null;
  /** Institution. */
  org: string;
  /** Still open: an erasure is refused until it closes. */
  open: boolean;
}

/** What the door holds about one person. */
export interface SubjectRecords {
  /** The NIK masked (`320101******0001`). */
  nikMasked: string;
  /** Their visits, oldest first, with every field. */
  visits: Visit[];
  /** Incident-book entries naming those visits. */
  incidents: Incident[];
  /** Events naming those visits, by visit, oldest first. */
  events: StoredEvent[];
}

/** Give every visit that has a NIK but no NIK hash its hash (visits written before the column); returns how many. */
export function backfillNikHashes(store: StorePort, secret: Buffer): number {
  const ids = store.visitIdsWithoutNikHash(1_000_000);
  if (ids.length === 0) return 0;
  let n = 0;
  store.tx(() => {
    for (const id of ids) {
      const v = store.visit(id);
      if (!v || isPurged(v) || !/^\d{16}$/.test(v.visitor.nik)) continue;
      store.saveVisit({ ...v, nikHash: nikHash(secret, v.visitor.nik) });
      n += 1;
    }
  });
  return n;
}

/** Answers to data-subject requests over one door's store. */
export class SubjectService {
  /** Bind to a store, the site secret and a clock. */
  constructor(private readonly store: StorePort, private readonly secret: Buffer, private readonly now: () => number = Date.now) {}

  /** The visits of the person with this NIK (an invalid NIK is refused, naming what is wrong, never its digits). */
  visits(nikInput: string): Visit[] {
    const nik = checkNik(nikInput);
    if (!nik.ok) throw new UserError(nik.error, { field: 'nik', code: nik.code });
    backfillNikHashes(this.store, this.secret);
    const hash = nikHash(this.secret, nik.nik);
    return this.store.visitIdsByNikHash(hash).map((id) => this.store.visit(id)).filter((v): v is Visit => v !== null && v.nikHash === hash);
  }

  /** `subject find`: the person's visits, listed without their personal data. */
  find(nik: string): { nikMasked: string; visits: SubjectVisit[] } {
    return {
      nikMasked: maskNik(nik),
      visits: this.visits(nik).map((v) => ({ visit: v.id, state: v.state, requestedAt: v.at.requested ?? null, org: v.visitor.org, open: closedAt(v) === null })),
    };
  }

  /** `subject export`: every record about the person; the export itself is recorded (ids and format only). */
  export(nik: string, format: 'json' | 'html', by?: string): SubjectRecords {
    const visits = this.visits(nik);
    if (by !== undefined) this.activeOfficer(by);
    const incidents = visits.flatMap((v) => this.store.incidentsOfVisit(v.id));
    const events = visits.flatMap((v) => this.store.eventsOfVisit(v.id, EVENTS_PER_VISIT));
    if (visits.length) {
      this.store.tx(() => this.store.events.append([event('subject.exported', { visits: visits.map((v) => v.id), format, ...(by ? { officer: by.trim().toUpperCase() } : {}) })], this.now()));
    }
    return { nikMasked: maskNik(nik), visits, incidents, events };
  }

  /**
   * `subject erase`: a head erases the person's personal fields and free text on every visit (as the retention purge
   * does), refused while any of them is open; the events stay, so the chain verifies. Recorded without the NIK.
   */
  erase(nik: string, by: string, reason: string): { visits: string[]; incidentNotes: number } {
    required(reason, 'reason', 'reason');
    checkText(reason, 'reason', 'reason', 'reason');
    const visits = this.visits(nik);
    const head = this.activeOfficer(by);
    if (head.role !== 'head') throw new Refused(`officer ${head.id} is ${head.role}; only a head may erase a person's data`, { field: 'by', code: 'role', params: { officer: head.id, role: head.role, action: 'subject_erase', allowed: 'head' } });
    if (visits.length === 0) throw new Refused('no visits with this NIK hold personal data (already purged, or never recorded)', { field: 'nik' });
    const open = visits.filter((v) => closedAt(v) === null);
    if (open.length) {
      throw new Refused(`visit${open.length > 1 ? 's' : ''} ${open.map((v) => `${v.id} (${v.state}${v.ktpHeld ? ', KTP held' : ''})`).join(', ')} still open; close ${open.length > 1 ? 'them' : 'it'} first (check out, cancel, deny, or acknowledge the device mismatch)`, { field: 'nik' });
    }
    const now = this.now();
    const cats = noCategories();
    this.store.secureDelete();
    this.store.tx(() => {
      for (const v of visits) eraseVisit(this.store, v, now, 'subject', cats);
      this.store.events.append([event('subject.erased', { officer: head.id, visits: visits.map((v) => v.id), incidentNotes: cats.incidentNotes, reason: reason.trim() })], now);
    });
    this.store.checkpoint();
    return { visits: visits.map((v) => v.id), incidentNotes: cats.incidentNotes };
  }

  private activeOfficer(id: string): { id: string; role: string } {
    const o = this.store.officer(id.trim().toUpperCase());
    if (!o) throw new UserError(`no officer with id "${id}"`, { field: 'by' });
    if (!o.active) throw new Refused(`officer ${o.id} is deactivated`, { field: 'by' });
    return o;
  }
}

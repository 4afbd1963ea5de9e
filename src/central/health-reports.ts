/**
 * The SOP 002 monthly health report chain of one site and month (Pemeliharaan Infrastruktur Sistem Jaringan, steps
 * 5–7): the IT officer/analyst compiles and submits the maintenance report (step 5, timed from the month's end,
 * Mutu Baku 1 day), the sub-section head reviews it (step 6, from the submission, 30 minutes), the head approves it
 * (step 7, from the review, 10 minutes). A reviewer or the head may return it to the analyst with a note. Separation
 * of duties: the reviewer is not the submitter; the approver is neither the reviewer nor the submitter.
 *
 * One row per site and month (`health_reports`) holds the chain's current state; every step is also an audit entry
 * (written by the caller in the same request). Storage over `SqlRunner`: SQL valid in SQLite and PostgreSQL.
 */
import { UserError } from '../domain/errors.js';
import type { SqlRunner } from './sql-runner.js';

/** Where a health report stands. */
export type HealthState = 'submitted' | 'reviewed' | 'approved' | 'returned';

/** The chain's steps as SOP 002 numbers them. */
export type HealthStep = 5 | 6 | 7;

/** Mutu Baku of SOP 002 in seconds: step 5 one day, step 6 thirty minutes, step 7 ten minutes. */
export const HEALTH_STANDARDS: Record<HealthStep, number> = { 5: 86_400, 6: 1_800, 7: 600 };

/** Who did a step, as signed on the report (the name and role at the time). */
export interface HealthSigner {
  /** User id. */
  id: string;
  /** Display name. */
  name: string;
  /** Role (analyst, subhead, head). */
  role: string;
  /** When (ms). */
  at: number;
}

/** The stored chain of one site and month. */
export interface HealthReport {
  /** Site id. */
  site: string;
  /** Month, YYYY-MM. */
  month: string;
  /** Current state. */
  state: HealthState;
  /** Step 5: who compiled and submitted it (the latest submission). */
  submitted: HealthSigner;
  /** The analyst's note on submission. */
  submitNote: string | null;
  /** Step 6: who reviewed it, or null. */
  reviewed: HealthSigner | null;
  /** Step 7: who approved it, or null. */
  approved: HealthSigner | null;
  /** The last return to the analyst, or null. */
  returned: (HealthSigner & { note: string }) | null;
  /** How many times it was returned. */
  returns: number;
  /** The figures at submission (checklists and health runs), as the signers saw them. */
  content: Record<string, unknown>;
}

/** One step's time against its standard. */
export interface HealthStepTime {
  /** SOP 002 step. */
  step: HealthStep;
  /** Seconds taken (null: not done yet). */
  seconds: number | null;
  /** The standard in seconds. */
  standardSeconds: number;
  /** Over the standard. */
  over: boolean;
}

/** A signer's columns in the row. */
type SignerCols<P extends string> = { [K in `${P}_by` | `${P}_name` | `${P}_role`]: string | null } & { [K in `${P}_at`]: number | string | null };

/** A stored row. */
type Row = { site: string; month: string; state: string; submit_note: string | null; return_note: string | null; returns: number | string; content: string }
  & SignerCols<'submitted'> & SignerCols<'reviewed'> & SignerCols<'approved'> & SignerCols<'returned'>;

const SIGNERS = ['submitted', 'reviewed', 'approved', 'returned'] as const;

/** The signer of a row's columns, or null. */
function signerOf(r: Row, p: (typeof SIGNERS)[number]): HealthSigner | null {
  const id = r[`${p}_by`];
  const at = r[`${p}_at`];
  if (!id || at === null) return null;
  return { id, name: r[`${p}_name`] ?? id, role: r[`${p}_role`] ?? '', at: Number(at) };
}

/** A row as a report. */
function reportOf(r: Row): HealthReport {
  let content: Record<string, unknown> = {};
  try { content = JSON.parse(r.content) as Record<string, unknown>; } catch { /* shown without figures */ }
  const returned = signerOf(r, 'returned');
  return {
    site: r.site, month: r.month, state: r.state as HealthState, submitted: signerOf(r, 'submitted')!, submitNote: r.submit_note,
    reviewed: signerOf(r, 'reviewed'), approved: signerOf(r, 'approved'), returned: returned ? { ...returned, note: r.return_note ?? '' } : null,
    returns: Number(r.returns), content,
  };
}

/** The user doing a step. */
export interface HealthActor {
  /** User id. */
  id: string;
  /** Display name. */
  name: string;
  /** Role. */
  role: string;
}

/** Why a step was refused (the page shows it from the catalogue). */
export type HealthRefusal = 'not-over' | 'not-submittable' | 'not-submitted' | 'not-reviewed' | 'own-submission' | 'own-review' | 'note-needed';

/** A step refused for a reason the user can act on. */
export class HealthChainError extends UserError {
  /** Why. */
  readonly reason: HealthRefusal;
  /** Refuse with `reason`. */
  constructor(reason: HealthRefusal) {
    super(`health report step refused: ${reason}`);
    this.reason = reason;
  }
}

/** Longest note kept. */
export const NOTE_MAX = 1000;

/** Trim a note to what is kept (control characters other than new lines removed). */
function cleanNote(note: string | null | undefined): string | null {
  const s = (note ?? '').replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, ' ').trim().slice(0, NOTE_MAX);
  return s ? s : null;
}

/** The SOP 002 health report chains of every site and month. */
export class HealthReports {
  /** Over the central store's database. */
  constructor(private readonly sql: SqlRunner) {}

  /** The chain of a site and month, or null before the first submission. */
  async get(site: string, month: string): Promise<HealthReport | null> {
    const rows = await this.sql.rows<Row>('SELECT * FROM health_reports WHERE site = ? AND month = ?', [site, month]);
    return rows[0] ? reportOf(rows[0]) : null;
  }

  /** The chains of a month for the sites in scope (null: all). */
  async ofMonth(month: string, scope: readonly string[] | null): Promise<HealthReport[]> {
    if (scope && scope.length === 0) return [];
    const rows = await this.sql.rows<Row>(
      `SELECT * FROM health_reports WHERE month = ?${scope ? ` AND site IN (${scope.map(() => '?').join(', ')})` : ''} ORDER BY site`, [month, ...(scope ?? [])]);
    return rows.map(reportOf);
  }

  /**
   * Step 5: submit (or resubmit after a return) the month's report with its figures. Only after the month's end
   * (`monthEnd`, ms), and not while it waits for review or approval or once approved.
   */
  async submit(site: string, month: string, by: HealthActor, at: number, monthEnd: number, content: Record<string, unknown>, note?: string | null): Promise<HealthReport> {
    if (at < monthEnd) throw new HealthChainError('not-over');
    const now = await this.get(site, month);
    if (now && now.state !== 'returned') throw new HealthChainError('not-submittable');
    const args = [by.id, by.name, by.role, at, cleanNote(note), JSON.stringify(content)];
    if (now) {
      const n = await this.sql.run(`UPDATE health_reports SET state = 'submitted', submitted_by = ?, submitted_name = ?, submitted_role = ?, submitted_at = ?, submit_note = ?, content = ?,
        reviewed_by = NULL, reviewed_name = NULL, reviewed_role = NULL, reviewed_at = NULL WHERE site = ? AND month = ? AND state = 'returned'`, [...args, site, month]);
      if (n !== 1) throw new HealthChainError('not-submittable');
    } else {
      const n = await this.sql.run(`INSERT INTO health_reports (site, month, state, submitted_by, submitted_name, submitted_role, submitted_at, submit_note, content, returns)
        VALUES (?, ?, 'submitted', ?, ?, ?, ?, ?, ?, 0) ON CONFLICT (site, month) DO NOTHING`, [site, month, ...args]);
      if (n !== 1) throw new HealthChainError('not-submittable');
    }
    return (await this.get(site, month))!;
  }

  /** Step 6: the sub-section head reviews a submitted report (not their own submission). */
  async review(site: string, month: string, by: HealthActor, at: number): Promise<HealthReport> {
    const now = await this.get(site, month);
    if (!now || now.state !== 'submitted') throw new HealthChainError('not-submitted');
    if (now.submitted.id === by.id) throw new HealthChainError('own-submission');
    const n = await this.sql.run(`UPDATE health_reports SET state = 'reviewed', reviewed_by = ?, reviewed_name = ?, reviewed_role = ?, reviewed_at = ?
      WHERE site = ? AND month = ? AND state = 'submitted' AND submitted_at = ?`, [by.id, by.name, by.role, at, site, month, now.submitted.at]);
    if (n !== 1) throw new HealthChainError('not-submitted');
    return (await this.get(site, month))!;
  }

  /** Step 7: the head approves a reviewed report (neither its reviewer nor its submitter). */
  async approve(site: string, month: string, by: HealthActor, at: number): Promise<HealthReport> {
    const now = await this.get(site, month);
    if (!now || now.state !== 'reviewed' || !now.reviewed) throw new HealthChainError('not-reviewed');
    if (now.reviewed.id === by.id) throw new HealthChainError('own-review');
    if (now.submitted.id === by.id) throw new HealthChainError('own-submission');
    const n = await this.sql.run(`UPDATE health_reports SET state = 'approved', approved_by = ?, approved_name = ?, approved_role = ?, approved_at = ?
      WHERE site = ? AND month = ? AND state = 'reviewed' AND reviewed_at = ?`, [by.id, by.name, by.role, at, site, month, now.reviewed.at]);
    if (n !== 1) throw new HealthChainError('not-reviewed');
    return (await this.get(site, month))!;
  }

  /**
   * Return the report to the analyst with a note: the reviewer from `submitted` (step 6), the head from `reviewed`
   * (step 7); `stage` is the state the caller saw. The same separation of duties applies.
   */
  async returnToAnalyst(site: string, month: string, by: HealthActor, at: number, stage: 'submitted' | 'reviewed', note: string): Promise<HealthReport> {
    const text = cleanNote(note);
    if (!text) throw new HealthChainError('note-needed');
    const now = await this.get(site, month);
    if (!now || now.state !== stage) throw new HealthChainError(stage === 'submitted' ? 'not-submitted' : 'not-reviewed');
    if (now.submitted.id === by.id) throw new HealthChainError('own-submission');
    if (stage === 'reviewed' && now.reviewed?.id === by.id) throw new HealthChainError('own-review');
    const n = await this.sql.run(`UPDATE health_reports SET state = 'returned', returned_by = ?, returned_name = ?, returned_role = ?, returned_at = ?, return_note = ?, returns = returns + 1
      WHERE site = ? AND month = ? AND state = ? AND submitted_at = ?`, [by.id, by.name, by.role, at, text, site, month, stage, now.submitted.at]);
    if (n !== 1) throw new HealthChainError(stage === 'submitted' ? 'not-submitted' : 'not-reviewed');
    return (await this.get(site, month))!;
  }
}

/** Each step's time against its SOP 002 standard (step 5 from the month's end, 6 from the submission, 7 from the review). */
export function healthStepTimes(r: HealthReport | null, monthEnd: number): HealthStepTime[] {
  const span = (from: number | null | undefined, to: number | null | undefined): number | null =>
    from === null || from === undefined || to === null || to === undefined ? null : Math.max(0, Math.round((to - from) / 1000));
  const live = r && r.state !== 'returned' ? r : null;
  const secs: Record<HealthStep, number | null> = {
    5: span(monthEnd, r?.state === 'returned' ? null : r?.submitted.at),
    6: span(live?.submitted.at, live?.reviewed?.at),
    7: span(live?.reviewed?.at, live?.approved?.at),
  };
  return ([5, 6, 7] as const).map((step) => ({ step, seconds: secs[step], standardSeconds: HEALTH_STANDARDS[step], over: secs[step] !== null && secs[step]! > HEALTH_STANDARDS[step] }));
}

/** SQLite and PostgreSQL DDL of the table (the same text; BIGINT is an integer in both). */
export const HEALTH_REPORTS_DDL = `
  CREATE TABLE health_reports (
    site TEXT NOT NULL, month TEXT NOT NULL, state TEXT NOT NULL,
    submitted_by TEXT, submitted_name TEXT, submitted_role TEXT, submitted_at BIGINT, submit_note TEXT,
    reviewed_by TEXT, reviewed_name TEXT, reviewed_role TEXT, reviewed_at BIGINT,
    approved_by TEXT, approved_name TEXT, approved_role TEXT, approved_at BIGINT,
    returned_by TEXT, returned_name TEXT, returned_role TEXT, returned_at BIGINT, return_note TEXT,
    returns INTEGER NOT NULL DEFAULT 0, content TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (site, month)
  );
  CREATE INDEX health_reports_month ON health_reports(month, site);
`;

/** The newest health checklist run (`health.report`) of each door in [from, to), in scope, through the events' (type, at) index. */
export async function lastHealthRuns(sql: SqlRunner, o: { from: string; to: string; scope: readonly string[] | null; site: string | null }): Promise<{ site: string; door: string; at: string; status: string; items: { item: string; status: string; detail: string }[] }[]> {
  if (o.scope && o.scope.length === 0) return [];
  const where: string[] = ['type = ?', 'at >= ?', 'at < ?'];
  const args: unknown[] = ['health.report', o.from, o.to];
  if (o.scope) { where.push(`site IN (${o.scope.map(() => '?').join(', ')})`); args.push(...o.scope); }
  if (o.site) { where.push('site = ?'); args.push(o.site); }
  const rows = await sql.rows<{ site: string; door: string; at: string; data: string }>(
    `SELECT e.site, e.door, e.at, e.data FROM events e JOIN (SELECT site, door, max(at) AS last FROM events WHERE ${where.join(' AND ')} GROUP BY site, door) m
     ON e.site = m.site AND e.door = m.door AND e.at = m.last WHERE e.type = ? ORDER BY e.site, e.door, e.seq DESC`, [...args, 'health.report']);
  const seen = new Set<string>();
  const out: { site: string; door: string; at: string; status: string; items: { item: string; status: string; detail: string }[] }[] = [];
  for (const r of rows) {
    const k = `${r.site}\n${r.door}`;
    if (seen.has(k)) continue;
    seen.add(k);
    let d: Record<string, unknown> = {};
    try { d = JSON.parse(r.data) as Record<string, unknown>; } catch { /* listed without its items */ }
    const items = Array.isArray(d.items) ? (d.items as unknown[]).filter((x): x is Record<string, unknown> => !!x && typeof x === 'object')
      .map((x) => ({ item: String(x.item ?? ''), status: String(x.status ?? ''), detail: typeof x.detail === 'string' ? x.detail : '' })) : [];
    out.push({ site: r.site, door: r.door, at: r.at, status: typeof d.status === 'string' ? d.status : '', items });
  }
  return out;
}

/** The benches' figures: percentiles, milliseconds as printed, and the table of goals the README copies. */

/** The p-th percentile of `xs` (nearest rank; NaN when empty). */
export const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** Milliseconds as the tables print them. */
export const ms = (x: number): string => (Number.isFinite(x) ? (x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(2)} ms`) : '–');

/** One row of a table. */
export interface Row {
  /** What was measured, and how. */
  figure: string;
  /** The figure (p50 / p99 / max for latencies). */
  measured: string;
  /** The goal. */
  goal: string;
  /** PASS, MISS, or empty (a reference, or not measurable). */
  verdict: string;
}

/** Every goal beside its figure with PASS or MISS, printed as it is measured and again as a Markdown table at the end. */
export class Table {
  private readonly rows: Row[] = [];

  constructor(private readonly title: string) {}

  /** Add and print a row (`pass` null: no verdict). */
  row(figure: string, measured: string, goal: string, pass: boolean | null): void {
    const r = { figure, measured, goal, verdict: pass === null ? '' : pass ? 'PASS' : 'MISS' };
    this.rows.push(r);
    console.log(`${figure}: ${measured}   [goal ${goal}] ${r.verdict}`);
  }

  /** The whole table, in Markdown. */
  print(): void {
    console.log(`\n| figure (\`${this.title}\`, ${new Date().toISOString().slice(0, 10)}) | measured (p50 / p99 / max) | goal | verdict |\n|---|---|---|---|`);
    for (const r of this.rows) console.log(`| ${r.figure} | ${r.measured} | ${r.goal} | ${r.verdict} |`);
  }
}

/**
 * The report PDF printer's limits without a real browser: a Chromium path that does not exist is named in the error
 * (the page then says console.chromiumPath and apt-get install chromium); one PDF prints at a time with at most
 * `maxWaiting` behind it, more are refused at once as busy; a browser that never starts fails within the timeout and
 * frees the queue for the next one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChromiumMissing, PdfBusy, ReportPdfPrinter } from '../../src/central/report-pdf.js';

const FOOTER = { left: 'x', page: 'Halaman', of: 'dari' };

describe('report PDF printer', () => {
  let dir: string;
  let hanging: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pintu-pdf-'));
    hanging = join(dir, 'chromium');
    writeFileSync(hanging, '#!/bin/sh\nexec sleep 30\n');
    chmodSync(hanging, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names a missing Chromium', async () => {
    const p = new ReportPdfPrinter({ chromiumPath: join(dir, 'nope') });
    await expect(p.print('<p>x</p>', FOOTER)).rejects.toBeInstanceOf(ChromiumMissing);
    await expect(p.print('<p>x</p>', FOOTER)).rejects.toThrow(`chromium not found at ${join(dir, 'nope')} (console.chromiumPath; apt-get install chromium)`);
  });

  it('prints one at a time, refuses more than maxWaiting behind it, and a stuck launch times out and frees the queue', async () => {
    const p = new ReportPdfPrinter({ chromiumPath: hanging, timeoutMs: 1500, maxWaiting: 1 });
    const first = p.print('<p>1</p>', FOOTER);
    const second = p.print('<p>2</p>', FOOTER);
    first.catch(() => undefined);
    second.catch(() => undefined);
    await expect(p.print('<p>3</p>', FOOTER)).rejects.toBeInstanceOf(PdfBusy);
    const t0 = Date.now();
    await expect(first).rejects.toThrow();
    await expect(second).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(20_000);
    // The queue is free again: the next one is tried (and fails the same way), not refused as busy.
    await expect(p.print('<p>4</p>', FOOTER)).rejects.not.toBeInstanceOf(PdfBusy);
  }, 60_000);
});

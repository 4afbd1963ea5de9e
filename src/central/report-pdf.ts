/**
 * The monthly report as an A4 PDF, printed by Debian's Chromium (`console.chromiumPath`) through playwright-core: the
 * print view's HTML is set as the page's content (it needs no network and no script: charts are SVG), then printed
 * on A4 with the page numbers in the footer. One Chromium per PDF, one PDF at a time (a few more may wait; more than
 * that are refused as busy), each bounded by a timeout; the browser is closed whatever happens.
 */
import { accessSync, constants } from 'node:fs';
import { h } from '../adapters/console/view.js';

/** Chromium is not installed where the config says. */
export class ChromiumMissing extends Error {
  /** Refuse, naming the path. */
  constructor(readonly path: string) {
    super(`chromium not found at ${path} (console.chromiumPath; apt-get install chromium)`);
    this.name = 'ChromiumMissing';
  }
}

/** Too many PDFs asked for at once. */
export class PdfBusy extends Error {
  /** Refuse. */
  constructor() {
    super('another PDF is being printed');
    this.name = 'PdfBusy';
  }
}

/** The footer of every page. */
export interface PdfFooter {
  /** Left: what the report is (site, month). */
  left: string;
  /** "Page" in the reader's language. */
  page: string;
  /** "of" in the reader's language. */
  of: string;
}

/** Settings of the printer. */
export interface PdfPrinterOptions {
  /** The Chromium executable. */
  chromiumPath: string;
  /** Longest a PDF may take, launch included (ms). */
  timeoutMs?: number;
  /** PDFs that may wait behind the one printing. */
  maxWaiting?: number;
}

/** Prints report HTML to A4 PDFs, one at a time. */
export class ReportPdfPrinter {
  private queue: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** A printer using the Chromium at `o.chromiumPath`. */
  constructor(private readonly o: PdfPrinterOptions) {}

  /** Print `html` (a whole document needing no network) to an A4 PDF with page numbers. */
  async print(html: string, footer: PdfFooter): Promise<Buffer> {
    try { accessSync(this.o.chromiumPath, constants.X_OK); } catch { throw new ChromiumMissing(this.o.chromiumPath); }
    if (this.waiting > (this.o.maxWaiting ?? 2)) throw new PdfBusy();
    this.waiting += 1;
    const run = this.queue.then(() => this.printNow(html, footer));
    this.queue = run.catch(() => undefined).finally(() => { this.waiting -= 1; });
    return run;
  }

  private async printNow(html: string, footer: PdfFooter): Promise<Buffer> {
    const { chromium } = await import('playwright-core');
    const timeout = this.o.timeoutMs ?? 60_000;
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    const browser = await chromium.launch({
      executablePath: this.o.chromiumPath, headless: true, timeout,
      args: [...(root ? ['--no-sandbox'] : []), '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      const work = (async (): Promise<Buffer> => {
        const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
        const page = await context.newPage();
        // Nothing outside the document: no fetch may leave the machine.
        await page.route('**/*', (r) => (r.request().url().startsWith('data:') ? r.continue() : r.abort()));
        await page.setContent(html, { waitUntil: 'load', timeout });
        const foot = String(h`<div style="font-size:8px;width:100%;margin:0 12mm;display:flex;justify-content:space-between;font-family:sans-serif"><span>${footer.left}</span><span>${footer.page} <span class="pageNumber"></span> ${footer.of} <span class="totalPages"></span></span></div>`);
        return page.pdf({
          format: 'A4', printBackground: true, displayHeaderFooter: true, headerTemplate: '<span></span>', footerTemplate: foot,
          margin: { top: '14mm', bottom: '18mm', left: '12mm', right: '12mm' },
        });
      })();
      // A PDF that lost the race still settles (its browser is closed below): never an unhandled rejection.
      work.catch(() => undefined);
      const limit = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`the PDF took longer than ${timeout} ms`)), timeout); });
      return await Promise.race([work, limit]);
    } finally {
      if (timer) clearTimeout(timer);
      await browser.close().catch(() => undefined);
    }
  }
}

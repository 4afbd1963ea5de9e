/**
 * The bench's browser stand-in for the officers' console: an HTTP client on one keep-alive connection that signs in
 * with an officer's id and PIN (the sign-in form's CSRF token and cookie, as a browser sends them), times page
 * requests, and reads a live stream (`/live`, Server-Sent Events) as the page's htmx SSE extension does.
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import { EventEmitter } from 'node:events';

/** A response, read whole. */
export interface Reply {
  /** HTTP status. */
  status: number;
  /** Headers. */
  headers: IncomingMessage['headers'];
  /** The body as sent (gzipped when the server gzipped it). */
  raw: Buffer;
  /** Request written → last byte of the body read, ms. */
  ms: number;
}

/** One signed-in (or not yet) browser: its cookies and its connection. */
export class ConsoleClient {
  private readonly cookies = new Map<string, string>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(readonly base: string) {}

  /** The Cookie header this browser sends. */
  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** The cookies, for a real browser's context. */
  cookieList(): Array<{ name: string; value: string }> {
    return [...this.cookies].map(([name, value]) => ({ name, value }));
  }

  /** GET or POST `path`, timed from the request's start to the body's last byte. */
  fetch(path: string, o: { method?: 'GET' | 'POST'; form?: Record<string, string>; gzip?: boolean; headers?: Record<string, string> } = {}): Promise<Reply> {
    const body = o.form ? new URLSearchParams(o.form).toString() : undefined;
    const headers: Record<string, string> = { cookie: this.cookieHeader(), accept: 'text/html,*/*', ...o.headers };
    if (o.gzip) headers['accept-encoding'] = 'gzip';
    if (body !== undefined) { headers['content-type'] = 'application/x-www-form-urlencoded'; headers.origin = this.base; headers['content-length'] = String(Buffer.byteLength(body)); }
    return new Promise((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const req = request(`${this.base}${path}`, { method: o.method ?? 'GET', headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          this.keep(res.headers['set-cookie']);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: Buffer.concat(chunks), ms });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Sign in as `officer` with `pin` through the sign-in form; throws unless the console let them in. */
  async signIn(officer: string, pin: string): Promise<void> {
    const form = await this.fetch('/signin');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.raw.toString())?.[1];
    if (!csrf) throw new Error(`the sign-in page (${form.status}) has no CSRF token`);
    const r = await this.fetch('/signin', { method: 'POST', form: { _csrf: csrf, tap: '', next: '', officer, pin } });
    if (r.status !== 303 || !this.cookies.has('pintu_session')) throw new Error(`signing in as ${officer} failed: HTTP ${r.status}`);
  }

  /** Open the live stream of this browser's session. */
  live(): Promise<LiveStream> {
    return LiveStream.open(this.base, this.cookieHeader());
  }

  /** Close the connection. */
  close(): void {
    this.agent.destroy();
  }

  private keep(setCookie: string[] | undefined): void {
    for (const c of setCookie ?? []) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(c) || value === '') this.cookies.delete(name); else this.cookies.set(name, value);
    }
  }
}

/** One SSE message as it arrived. */
export interface LiveMessage {
  /** Event name (the pane, or `desk`, `hello`). */
  event: string;
  /** Its data (a pane's HTML). */
  data: string;
  /** When its last byte was read (process.hrtime.bigint). */
  ns: bigint;
}

/** An open `/live` stream. */
export class LiveStream extends EventEmitter {
  private constructor(private readonly res: IncomingMessage, private readonly done: () => void) {
    super();
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      const ns = process.hrtime.bigint();
      buf += d;
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length) this.emit('message', { event, data: data.join('\n'), ns } satisfies LiveMessage);
      }
    });
  }

  /** Connect and wait for the server's `hello`. */
  static open(base: string, cookie: string): Promise<LiveStream> {
    const agent = new Agent({ keepAlive: false });
    return new Promise((resolve, reject) => {
      const req = request(`${base}/live`, { headers: { cookie, accept: 'text/event-stream' }, agent }, (res) => {
        if (res.statusCode !== 200) { reject(new Error(`/live answered HTTP ${res.statusCode}`)); res.resume(); return; }
        const s = new LiveStream(res, () => { req.destroy(); agent.destroy(); });
        const timer = setTimeout(() => reject(new Error('/live sent no hello')), 10_000);
        s.on('message', (m: LiveMessage) => { if (m.event === 'hello') { clearTimeout(timer); resolve(s); } });
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** The first message after now for which `match` holds, with when it arrived; null after `timeoutMs`. */
  next(match: (m: LiveMessage) => boolean, timeoutMs: number): Promise<LiveMessage | null> {
    return new Promise((resolve) => {
      const on = (m: LiveMessage): void => { if (match(m)) { clearTimeout(timer); this.off('message', on); resolve(m); } };
      const timer = setTimeout(() => { this.off('message', on); resolve(null); }, timeoutMs);
      this.on('message', on);
    });
  }

  /** Close the stream. */
  close(): void {
    this.res.destroy();
    this.done();
  }
}

/**
 * `npm run bench` (after the door's taps; alone: `npm run bench:console`): the officers' console's figures on a real
 * door. The door is a real `pintu run` as `bench/index.ts` runs it (the unit's environment and niceness, two socat-pty
 * readers, the fake GPIO binding timing the relay, the central link on), its console on a free loopback port, over a
 * database of 100,000 visits (names, institutions, every SOP state, 20 visitors inside with their escort) and
 * 1,000,000 events (every visit's own timeline). Signed-in clients are this process (`console-client.ts`: the sign-in
 * form with CSRF token and cookie, keep-alive, the `/live` SSE stream) and a real Chromium (Debian's, playwright-core).
 *
 * 1. Visit list (no filter, a name search) and door page: request start → last byte of the body, p99 ≤ 50 ms.
 * 2. A tap written to the door's pty → the live update (`inside` or `events` pane) naming the person, p99 ≤ 250 ms:
 *    read from an open `/live` stream, and shown in a Chromium page on `/door` (DOM swapped, next frame begun).
 * 3. The console's transfer size, gzipped: every asset the pages load + the main pages' HTML, ≤ 150 KB.
 * 4. Tap → relay p99 with three browsers' live streams open, against none, alternating blocks (ratio ≤ 1.10).
 * Screens not built yet (404) are printed as `n/a (screen not built)`.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, officerContext } from '../test/helpers/browser.js';
import { BenchDoor, PEOPLE, BENCH_PINS, officerBadge, startCentre, visitorBadge, type Centre, type DoorSize } from './door-world.js';
import { ConsoleClient, type LiveMessage, type LiveStream } from './console-client.js';
import { pct, ms, Table } from './table.js';

const VISITS = Number(process.env.BENCH_VISITS ?? 100_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
/** Visitors inside now: a busy server room (the door's tap bench stresses 500; BENCH_CONSOLE_INSIDE=500 shows the pages then). */
const INSIDE = Number(process.env.BENCH_CONSOLE_INSIDE ?? 20);
/** Requests per page figure. */
const SAMPLES = Number(process.env.BENCH_PAGE_SAMPLES ?? 300);
/** Cycles (officer in, visitor in, both out) per live figure: two timed taps each. */
const LIVE_CYCLES = Number(process.env.BENCH_LIVE_CYCLES ?? 100);
/** Blocks of each kind (with / without browsers), and cycles (four grants) per block. */
const ROUNDS = Number(process.env.BENCH_RATIO_ROUNDS ?? 6);
const BLOCK = Number(process.env.BENCH_RATIO_BLOCK ?? 25);
/** The panes that show a tap. */
const PANES = new Set(['inside', 'events']);

const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));
const table = new Table('npm run bench, the console');
let turn = 0;
/** The next officer / visitor pair: the same card comes back only after PEOPLE cycles (past the repeat-tap window). */
const nextPerson = (): number => 1 + (turn++ % PEOPLE);
/** A regex for a person's name as the pages show it ("Petugas 1" is not "Petugas 12"). */
const nameRe = (name: string): RegExp => new RegExp(`${name}(?!\\d)`, 'g');
const count = (text: string, re: RegExp): number => text.match(re)?.length ?? 0;

/** 1. Server time of the visit list and the door page, from a signed-in client on this machine. */
async function pageTimes(client: ConsoleClient): Promise<void> {
  const pages: Array<[string, string]> = [
    ['reference: a static file (`/assets/app.css`, no database, no page rendering)', '/assets/app.css'],
    ['visit list, first page (`/visits`)', '/visits'],
    ['visit list, name search, common name (`/visits?name=siti`: 1 visit in 31)', '/visits?name=siti'],
    ['visit list, name search, no match (`/visits?name=yulianti`: every visit scanned)', '/visits?name=yulianti'],
    ['visit list, institution search (`/visits?org=telkom`)', '/visits?org=telkom'],
    [`door page (\`/door\`: door state, ${INSIDE} visitors inside with escort, the event stream)`, '/door'],
  ];
  for (const [figure, path] of pages) {
    const first = await client.fetch(path);
    if (first.status === 404) { table.row(figure, 'n/a (screen not built)', 'p99 ≤ 50 ms', null); continue; }
    if (first.status !== 200) { table.row(figure, `HTTP ${first.status}`, 'p99 ≤ 50 ms', false); continue; }
    for (let i = 0; i < 20; i++) await client.fetch(path);
    const lat: number[] = [];
    for (let i = 0; i < SAMPLES; i++) { lat.push((await client.fetch(path)).ms); await sleep(2); }
    const reference = path.startsWith('/assets/');
    table.row(`${figure}, ${SAMPLES} requests, ${(first.raw.length / 1000).toFixed(0)} kB`, `${ms(pct(lat, 50))} / ${ms(pct(lat, 99))} / ${ms(Math.max(...lat))}`, reference ? '–' : 'p99 ≤ 50 ms', reference ? null : pct(lat, 99) <= 50);
  }
}

/** 3. What a browser downloads for the console: every asset the main pages load, gzipped, and those pages' HTML, gzipped. */
async function transferSize(signedIn: ConsoleClient, base: string): Promise<void> {
  const anon = new ConsoleClient(base);
  const paths = ['/signin', '/door', '/queue', '/visits', '/visits/new', '/officers', '/incidents', '/muster', '/daily'];
  let html = 0;
  const shown: string[] = [];
  const missing: string[] = [];
  const assets = new Set<string>();
  for (const p of paths) {
    const r = await (p === '/signin' ? anon : signedIn).fetch(p, { gzip: true });
    if (r.status !== 200) { missing.push(`${p} (HTTP ${r.status})`); continue; }
    const gz = r.headers['content-encoding'] === 'gzip' ? r.raw : gzipSync(r.raw, { level: 6 });
    html += gz.length;
    shown.push(p);
    const text = r.headers['content-encoding'] === 'gzip' ? '' : r.raw.toString();
    for (const m of text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) assets.add(m[1]!);
  }
  let bytes = 0;
  for (const a of assets) bytes += (await anon.fetch(a, { gzip: true })).raw.length;
  anon.close();
  const total = bytes + html;
  table.row(`console transfer size, gzipped: ${assets.size} assets (${[...assets].map((a) => a.slice(8)).join(', ')}) + the HTML of ${shown.join(' ')}${missing.length ? ` (not counted: ${missing.join(' ')})` : ''}`,
    `${(total / 1000).toFixed(1)} kB (assets ${(bytes / 1000).toFixed(1)} kB, pages ${(html / 1000).toFixed(1)} kB)`, '≤ 150 KB', total <= 150_000);
}

/** A tap and the live message that first names the person more often than the panes did before it. */
async function tapToLive(door: BenchDoor, stream: LiveStream, latest: Map<string, string>, reader: 0 | 1, uid: string, name: string): Promise<number | null> {
  const re = nameRe(name);
  const before = new Map([...latest].map(([k, v]) => [k, count(v, re)]));
  const seen = stream.next((m: LiveMessage) => PANES.has(m.event) && count(m.data, re) > (before.get(m.event) ?? 0), 5_000);
  const t0 = process.hrtime.bigint();
  const tap = await door.tap(reader, uid);
  const m = await seen;
  if (tap.outcome !== 'grant' || !m) return null;
  return Number(m.ns - t0) / 1e6;
}

/** 2a. Tap → the update read from an open `/live` stream (officer entry, then the escorted visitor's entry). */
async function liveStreamFigure(door: BenchDoor, client: ConsoleClient): Promise<void> {
  const stream = await client.live();
  const latest = new Map<string, string>();
  stream.on('message', (m: LiveMessage) => latest.set(m.event, m.data));
  const lat: number[] = [];
  let lost = 0;
  for (let c = 0; c < LIVE_CYCLES; c++) {
    const who = nextPerson();
    for (const [uid, name] of [[officerBadge(who), `Petugas ${who}`], [visitorBadge(who), `Tamu ${who}`]] as const) {
      const t = await tapToLive(door, stream, latest, 0, uid, name);
      if (t === null) lost += 1; else lat.push(t);
    }
    await door.tap(1, visitorBadge(who));
    await door.tap(1, officerBadge(who));
    await sleep(50);
  }
  stream.close();
  liveRow(`tap written to the door pty → the \`inside\`/\`events\` update naming the person read from an open \`/live\` stream (signed-in session; officer and escorted visitor entries, ${lat.length} taps)`, lat, lost);
}

function liveRow(figure: string, lat: number[], lost: number): void {
  if (lat.length === 0) { table.row(figure, `n/a (no live update named the person${lost ? `; ${lost} taps unseen` : ''})`, 'p99 ≤ 250 ms', false); return; }
  table.row(figure, `${ms(pct(lat, 50))} / ${ms(pct(lat, 99))} / ${ms(Math.max(...lat))}${lost ? `; ${lost} not shown within 5 s` : ''}`, 'p99 ≤ 250 ms', pct(lat, 99) <= 250 && lost === 0);
}

/** In the page: when the panes first name the person more often than before the tap (the next frame after the swap). */
const PROBE = `(() => {
  const panes = () => [...document.querySelectorAll('[sse-swap="inside"], [sse-swap="events"], #inside, #events')];
  const count = (re) => panes().reduce((n, el) => n + (el.textContent.match(re) || []).length, 0);
  const p = { re: null, base: 0, at: 0, count };
  window.__probe = p;
  new MutationObserver(() => {
    if (!p.re || p.at || count(p.re) <= p.base) return;
    p.at = -1;
    requestAnimationFrame(() => { p.at = performance.timeOrigin + performance.now(); });
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
  return panes().length;
})()`;

/** 2b. Tap → shown in a real Chromium page on `/door`. */
async function chromiumFigure(door: BenchDoor, client: ConsoleClient, base: string): Promise<void> {
  const figure = 'tap written to the door pty → shown in Chromium on `/door` (DOM swapped by htmx\'s SSE extension, next animation frame; officer and escorted visitor entries)';
  let browser: Browser | null = null;
  try {
    browser = await launchBrowser();
    const ctx = await officerContext(browser, base);
    await ctx.addCookies(client.cookieList().map((c) => ({ ...c, url: base })));
    const page: Page = await ctx.newPage();
    const r = await page.goto('/door');
    if (r?.status() === 404) { table.row(figure, 'n/a (screen not built)', 'p99 ≤ 250 ms', null); return; }
    const panes = await page.evaluate(PROBE);
    if (panes === 0) { table.row(figure, 'n/a (the door page has no `inside`/`events` pane)', 'p99 ≤ 250 ms', null); return; }
    await sleep(1500); // the SSE extension connects
    const lat: number[] = [];
    let lost = 0;
    for (let c = 0; c < LIVE_CYCLES; c++) {
      const who = nextPerson();
      for (const [uid, name] of [[officerBadge(who), `Petugas ${who}`], [visitorBadge(who), `Tamu ${who}`]] as const) {
        await page.evaluate((src) => { const p = (window as unknown as { __probe: { re: RegExp | null; base: number; at: number; count: (re: RegExp) => number } }).__probe; p.re = new RegExp(src, 'g'); p.base = p.count(p.re); p.at = 0; }, nameRe(name).source);
        const t0 = performance.timeOrigin + performance.now();
        const tap = await door.tap(0, uid);
        const at = await page.waitForFunction(() => ((window as unknown as { __probe: { at: number } }).__probe.at > 0 ? (window as unknown as { __probe: { at: number } }).__probe.at : 0), null, { timeout: 5_000, polling: 10 })
          .then((h) => h.jsonValue() as Promise<number>, () => null);
        if (tap.outcome !== 'grant' || at === null) lost += 1; else lat.push(at - t0);
      }
      await door.tap(1, visitorBadge(who));
      await door.tap(1, officerBadge(who));
      await sleep(50);
    }
    liveRow(`${figure}, ${lat.length} taps`, lat, lost);
  } catch (err) {
    table.row(figure, `n/a (${(err as Error).message.split('\n')[0]})`, 'p99 ≤ 250 ms', false);
  } finally {
    await browser?.close();
  }
}

/** Four grants (officer in, escorted visitor in, visitor out, officer out) per cycle, each timed to the relay. */
async function grants(door: BenchDoor, cycles: number): Promise<{ lat: number[]; bad: number }> {
  const lat: number[] = [];
  let bad = 0;
  for (let c = 0; c < cycles; c++) {
    const who = nextPerson();
    for (const [reader, uid] of [[0, officerBadge(who)], [0, visitorBadge(who)], [1, visitorBadge(who)], [1, officerBadge(who)]] as const) {
      const r = await door.tap(reader, uid);
      if (r.outcome === 'grant' && r.relayMs !== null) lat.push(r.relayMs); else bad += 1;
      await sleep(5);
    }
  }
  return { lat, bad };
}

/** 4. Tap → relay with three browsers' live streams open against none, in alternating blocks (ABBA). */
async function relayRatio(door: BenchDoor, browsers: ConsoleClient[]): Promise<void> {
  const without: number[] = [];
  const withThree: number[] = [];
  let bad = 0;
  let messages = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (const open of r % 2 === 0 ? [false, true] : [true, false]) {
      const streams = open ? await Promise.all(browsers.map((b) => b.live())) : [];
      for (const s of streams) s.on('message', () => { messages += 1; });
      await sleep(500);
      const g = await grants(door, BLOCK);
      (open ? withThree : without).push(...g.lat);
      bad += g.bad;
      for (const s of streams) s.close();
      await sleep(1000); // the server has seen them go and finished what it was sending
    }
  }
  const p99 = pct(withThree, 99) / pct(without, 99);
  const p50 = pct(withThree, 50) / pct(without, 50);
  table.row(`tap → relay, no browser connected (${without.length} grants in ${ROUNDS} blocks)`, `${ms(pct(without, 50))} / ${ms(pct(without, 99))} / ${ms(Math.max(...without))}`, '–', null);
  table.row(`tap → relay, three browsers' live streams open (head, 2 staff; ${withThree.length} grants in ${ROUNDS} blocks alternating with the above; ${messages} live messages sent)`,
    `${ms(pct(withThree, 50))} / ${ms(pct(withThree, 99))} / ${ms(Math.max(...withThree))}`, '–', null);
  table.row(`tap → relay p99 with three browsers / without${bad ? ` (${bad} taps not granted)` : ''}`, `${p99.toFixed(2)}× (p50 ${p50.toFixed(2)}×)`, '≤ 1.10×', p99 <= 1.1 && bad === 0);
}

async function main(): Promise<void> {
  const size: DoorSize = { id: 'door-console', visits: VISITS, inside: INSIDE, events: EVENTS };
  const centre: Centre = await startCentre([size.id]);
  console.log(`pintu bench, the console: node ${process.version}; ${VISITS.toLocaleString('en')} visits (${INSIDE} inside), ${EVENTS.toLocaleString('en')} events; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  try {
    const t = Date.now();
    const door = await BenchDoor.start(size, centre);
    console.log(`door ${size.id}: seeded and at the centre in ${((Date.now() - t) / 1000).toFixed(0)} s; console at ${door.consoleUrl()}`);
    const base = door.consoleUrl();
    const sessions: ConsoleClient[] = [];
    try {
      // Three officers' browsers: the head and two staff at the desk.
      for (const [officer, pin] of Object.entries(BENCH_PINS)) {
        const c = new ConsoleClient(base);
        await c.signIn(officer, pin);
        sessions.push(c);
      }
      const desk = sessions[1]!;
      await pageTimes(desk);
      await transferSize(sessions[0]!, base); // the head sees every page (officers and badges are the head's)
      await liveStreamFigure(door, desk);
      await chromiumFigure(door, sessions[2]!, base);
      await relayRatio(door, sessions);
    } finally {
      for (const s of sessions) s.close();
      await door.stop();
    }
  } finally {
    await centre.stop();
  }
  console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  table.print();
}

await main();

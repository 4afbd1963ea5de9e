/**
 * `pintu demo`: the whole door controller on simulated hardware in a temporary data dir, a guided walk through the
 * SOP printed as it happens, then a prompt to tap cards, open and close the door and press the exit button.
 */
import { Command } from 'commander';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { parseConfig } from '../config/load.js';
import { createServer } from 'node:net';
import { createLogger } from '../adapters/log/pino.js';
import type { ConsoleServer } from '../adapters/console/server.js';
import { buildDaemon, officerService, visitService } from '../main.js';
import { SimDoorIo } from '../adapters/sim/sim-door-io.js';
import { musterOfStore, musterText } from './muster.js';
import { SimCardReader } from '../adapters/sim/sim-reader.js';
import type { StoredEvent } from '../adapters/sqlite/event-log.js';
import type { Daemon } from '../app/daemon.js';
import { DOOR_KEY_FILE, loadOrCreateKeyPair } from '../adapters/mqtt/keys.js';
import { createDataKeyFile } from '../adapters/os/data-key-file.js';
import { createBadgeKeyFile } from '../adapters/os/badge-key-file.js';
import { startEmbeddedCentral, type EmbeddedCentral } from '../central/embedded.js';
import { action } from './context.js';
import { doorSnapshot, eventLine } from './door.js';
import { describeSignal, type DoorSignal } from '../domain/door-signals.js';

const OFFICERS = [
  { name: 'Siti Rahma (Kepala Bidang)', role: 'head', badge: '0A00000001', pin: '246813' },
  { name: 'Andi Wijaya (Koordinator)', role: 'coordinator', badge: '0A00000002', pin: '135792' },
  { name: 'Dewi Lestari (Staf Administrasi)', role: 'staff', badge: '0A00000003', pin: '975318' },
] as const;
/** The demo's console port (any free port when it is taken). */
const DEMO_CONSOLE_PORT = 8080;
/** The demo central office's dashboard port (any free port when it is taken). */
const DEMO_DASHBOARD_PORT = 8090;
const BADGES = [['1B00000001', 'TAMU-01'], ['1B00000002', 'TAMU-02'], ['1B00000003', 'TAMU-03']] as const;

/** The demo's site id. */
export const DEMO_SITE = 'demo-office';
/** The demo's door id. */
export const DEMO_DOOR = 'server-room-1';
/** The demo central office's dashboard accounts: a head (no second factor), an analyst, a helpdesk of the demo site. */
const CENTRAL_ACCOUNTS = [
  { id: 'kepala', name: 'Rina Kusuma (Kepala Pusat Data)', role: 'head', sites: null, password: 'kepala-demo-2026', what: 'head, every site, no TOTP' },
  { id: 'analis', name: 'Bayu Pratama (Analis)', role: 'analyst', sites: null, password: 'analis-demo-2026', what: 'analyst, every site' },
  { id: 'helpdesk', name: 'Maya Sari (Helpdesk)', role: 'helpdesk', sites: [DEMO_SITE], password: 'helpdesk-demo-2026', what: `helpdesk, site ${DEMO_SITE} only` },
] as const;

/** The demo's config file text (sim hardware, three sim readers; a `central:` section when a centre URL and key are given). */
export function demoConfigYaml(dataDir: string, strikeSeconds = 3, central?: { url: string; publicKey: string }, consolePort = 0): string {
  return stringify({
    console: { listen: `127.0.0.1:${consolePort}` },
    site: DEMO_SITE, door: { id: DEMO_DOOR, strikeSeconds, heldOpenSeconds: 20 }, dataDir, hardware: 'sim',
    // The data-encryption key beside (not inside) the data dir, as /etc/pintu/data.key is beside /var/lib/pintu.
    privacy: { keyFile: join(dirname(dataDir), 'data.key') },
    // The badge master keys likewise beside the data dir, as /etc/pintu/badge.keys.
    badges: { keyFile: join(dirname(dataDir), 'badge.keys') },
    readers: [{ id: 'in', direction: 'in', kind: 'sim' }, { id: 'out', direction: 'out', kind: 'sim' }, { id: 'desk', direction: 'desk', kind: 'sim' }],
    ...(central ? { central: { url: central.url, publicKey: central.publicKey, ackTimeoutSeconds: 2 } } : {}),
    log: { level: 'warn' },
  });
}

const HELP = `commands:
  tap <in|out> <card>   tap a card on the door reader: a UID, a badge label (TAMU-01) or an officer id (O1)
  tap desk <card>       tap a card on the desk reader (the console's sign-in, KTP, badge issue and return)
  open | close          open / close the door (door position switch)
  rex                   press the exit button inside the room
  fire [clear|cut|repair]  the fire alarm panel signals fire / is normal again; the fire cable is cut / repaired
  muster                who is inside now (the muster list)
  status                door state and who is inside
  events [n]            the last n events (default 10)
  help                  this text
  quit                  stop the demo (the temporary data dir is removed unless --keep)`;

/** Register `pintu demo`. */
export function demoCommand(program: Command): void {
  program.command('demo')
    .description('run pintu on simulated hardware with a guided walk through the SOP, then an interactive prompt')
    .option('--no-interactive', 'only the guided walk, then exit')
    .option('--keep', 'keep the temporary data dir')
    .option('--no-central', 'without the embedded central office (broker and receiver)')
    .action(action(async function (this: Command, o: { interactive: boolean; keep?: boolean; central: boolean }) {
      const dir = mkdtempSync(join(tmpdir(), 'pintu-demo-'));
      const configFile = join(dir, 'pintu.yaml');
      // The embedded central office (aedes on 127.0.0.1 + receiver + SQLite in dir/central), this door enrolled.
      const centre = o.central ? await startEmbeddedCentral({
        dir: join(dir, 'central'), log: createLogger('error', 2),
        doors: [{ site: DEMO_SITE, door: DEMO_DOOR, publicKey: loadOrCreateKeyPair(join(dir, 'data'), DOOR_KEY_FILE).publicKeyText }],
        dashboard: { port: await freePort(DEMO_DASHBOARD_PORT), timeZone: 'Asia/Jakarta', accounts: CENTRAL_ACCOUNTS.map(({ what: _w, sites, ...a }) => ({ ...a, sites: sites ? [...sites] : null })) },
      }) : null;
      const yamlText = demoConfigYaml(join(dir, 'data'), 3, centre ?? undefined, await freePort(DEMO_CONSOLE_PORT));
      writeFileSync(configFile, yamlText);
      const config = parseConfig((await import('yaml')).parse(yamlText), dir, configFile);
      createDataKeyFile(config.privacy.keyFile);
      createBadgeKeyFile(config.badges.keyFile);
      const say = (s: string): void => void process.stdout.write(s + '\n');
      say(`pintu demo — simulated relay, door switch, exit button and readers "in", "out", "desk"`);
      say(`data dir ${dir}; try other commands against it with: pintu <command> --config ${configFile}\n`);
      // With a supervised fire input (policy: the config's fire.onAlarm, release by default), and the status LED
      // (green, red, amber) and buzzer a visitor sees at the door: one line per change of what they show.
      const io = new SimDoorIo({ fireInput: true, indicators: true });
      io.onRelay((on) => say(on ? '    ⚡ strike relay ON  (door unlocked)' : '    ·  strike relay OFF (door locked)'));
      const readers = { in: new SimCardReader('in', 'in'), out: new SimCardReader('out', 'out'), desk: new SimCardReader('desk', 'desk') };
      const tz = config.visits.timeZone;
      const show = (events: StoredEvent[]): void => { for (const e of events) say(`    ${eventLine(quiet(e), tz).trim()}`); };
      let consoleServer: ConsoleServer | null = null;
      const daemon = await buildDaemon(config, createLogger('warn', 2), {
        io, readers: [readers.in, readers.out], deskReader: readers.desk, onEvents: show, onConsole: (c) => { consoleServer = c; },
        onSignal: (signal) => say(signalLine(signal)),
      });
      await daemon.start();
      const store = daemon.parts.store;
      if (!store.clock.trusted()) {
        say('Note: this machine\'s clock is not confirmed synchronised (no NTP sync flag), so every event carries clockSynced=false');
        say('and approvals last at most 4 hours (docs/clock.md). On a Pi with systemd-timesyncd this goes away.\n');
      }
      const visits = visitService(config, store);
      const logged = (fn: () => void): void => { const before = store.events.lastSeq(); fn(); show(store.events.since(before)); };
      try {
        await walk(say, logged, { visits, officers: officerService(config, store) }, io, readers, store);
        const port = (consoleServer as ConsoleServer | null)?.port ?? null;
        if (port !== null) {
          say(`\nOfficers' console (Bahasa Indonesia; English by a switch): http://127.0.0.1:${port}/ — sign in with a PIN:`);
          for (const [i, x] of OFFICERS.entries()) say(`  O${i + 1} ${x.name}: PIN ${x.pin}   (or "tap desk O${i + 1}" below, then the PIN)`);
        }
        if (centre?.dashboardUrl) {
          say(`Central office dashboard: ${centre.dashboardUrl} — sign in with a user id and password:`);
          for (const a of CENTRAL_ACCOUNTS) say(`  ${a.id.padEnd(8)} ${a.name}: password ${a.password}   (${a.what})`);
        }
        if (o.interactive && process.stdin.readable) await prompt(say, daemon, io, readers);
        if (centre) await centralLine(say, centre, store.events.lastSeq());
      } finally {
        await daemon.stop('demo finished');
        await centre?.stop();
        if (!o.keep) rmSync(dir, { recursive: true, force: true });
        else say(`kept ${dir}`);
      }
    }));
}

type Say = (s: string) => void;

/** The demo's line for a change of the door's status LED and buzzer. */
export function signalLine(signal: DoorSignal): string {
  return `    💡 door signal ${signal}: ${describeSignal(signal)}`;
}

/** The demo says once that the clock is unsynchronised rather than clockSynced=false on every line. */
function quiet(e: StoredEvent): StoredEvent {
  const { clockSynced: _c, ...data } = e.data;
  return { ...e, data } as StoredEvent;
}

/** Wait (briefly) until the centre holds the door's events, then say what it received. */
async function centralLine(say: Say, centre: EmbeddedCentral, doorLastSeq: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  let t = await centre.tally(DEMO_SITE, DEMO_DOOR);
  while (t.lastSeq < doorLastSeq && Date.now() < deadline) {
    await pause(50);
    t = await centre.tally(DEMO_SITE, DEMO_DOOR);
  }
  say(`\ncentral office received ${t.events} events from door ${DEMO_SITE}/${DEMO_DOOR}, ${t.problem ? `chain NOT verified: ${t.problem}` : 'chain verified'}`
    + (t.lastSeq < doorLastSeq ? ` (${doorLastSeq - t.lastSeq} not yet delivered)` : ''));
}
type Readers = { in: SimCardReader; out: SimCardReader; desk: SimCardReader };
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `port` when it is free on loopback, else 0 (any free port). */
function freePort(port: number): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(0));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(port)));
  });
}

type Services = { visits: ReturnType<typeof visitService>; officers: ReturnType<typeof officerService> };

async function walk(say: Say, logged: (fn: () => void) => void, { visits, officers }: Services, io: SimDoorIo, readers: Readers, store: Daemon['parts']['store']): Promise<void> {
  say('Setup: three officers with their own badges (the first head made as by pintu setup, with a console PIN kept only as a hash; the head adds the other two), and a pool of special visitor badges.');
  logged(() => {
    const [head, ...others] = OFFICERS;
    const first = officers.setupFirstHead({ name: head.name, badge: head.badge, pin: head.pin });
    for (const o of others) officers.setPin(first.id, officers.addOfficer(first.id, { name: o.name, role: o.role, badge: o.badge }).id, o.pin);
    for (const [uid, label] of BADGES) visits.addBadge(uid, label);
  });
  say('\nStep 1 — the visitor fills in the access form and hands over the KTP; staff taps the KTP on the desk reader (stored only as a keyed hash).');
  let id = '';
  logged(() => {
    id = visits.request({ name: 'Budi Santoso', nik: '3201011205900001', org: 'PT Jaringan Nusantara', phone: '0812-0000-0000', purpose: 'Replace a failed disk in the SIMPEG server',
      plannedMinutes: 45, devices: [{ description: 'Laptop Lenovo T14', serial: 'PF-2XK9A1' }, { description: 'HDD 2TB', serial: 'WD-7781' }], ktpUid: '04A1B2C3D4E5F6', letterRef: 'HD-2026-0147', by: 'O3' }).id;
  });
  say(`\nStep 2 — the coordinator checks the request is complete (identity, devices with serial numbers, purpose).`);
  logged(() => visits.check(id, 'O2'));
  say('\nStep 3 — the head approves (valid until the end of today); staff issues special badge TAMU-01 in exchange for the KTP.');
  logged(() => { visits.approve(id, 'O1'); visits.issue(id, 'TAMU-01', 'O3', { rulesAcknowledged: true }); });
  say('\nStep 4 — at the door the visitor taps TAMU-01 alone: the door waits for an escort…');
  readers.in.tap('1B00000001');
  await pause(300);
  say('  …the coordinator taps in within the escort window: both are granted and the strike opens.');
  readers.in.tap('0A00000002');
  await pause(200);
  io.openDoor(); await pause(300); io.closeDoor();
  await pause(300);
  say('\n  Meanwhile someone taps an unknown card (maybe a KTP): refused and recorded only as a keyed hash.');
  readers.in.tap('DEADBEEF01');
  await pause(200);
  say('\nStep 5 — work done: the visitor and the coordinator tap out on the inside reader.');
  readers.out.tap('1B00000001'); await pause(200);
  io.openDoor(); await pause(200); io.closeDoor(); await pause(200);
  readers.out.tap('0A00000002'); await pause(200);
  say('  At the desk: devices carried out are recorded by serial number (the HDD stays inside: the system flags it), the badge comes back; the KTP stays at the desk.');
  logged(() => visits.checkout(id, 'O3', [{ description: 'Laptop Lenovo T14', serial: 'PF-2XK9A1' }]));
  say('  The head acknowledges the device mismatch (the note goes in the incident book); only then is the KTP returned.');
  logged(() => visits.acknowledgeMismatch(id, 'O1', 'Old disk left in the rack for destruction, as ordered'));
  say('\nSteps 6–7 — the coordinator reports the visit, staff archives it. Each step\'s time is compared with the SOP standard.');
  logged(() => { visits.report(id, 'O2', 'Disk replaced; old disk left in the rack for destruction'); visits.archive(id, 'O3'); });
  say('\nAfter the visit, TAMU-01 is back in the pool: tapping it now is refused as "returned".');
  readers.in.tap('1B00000001');
  await pause(200);
  const s = doorSnapshot(store);
  say(`\nDoor now: ${s.lock}, ${s.position}; inside: ${s.inside.count}. Event log holds ${s.lastSeq} events, hash-chained: ${store.events.verify() ?? 'chain verified'}.`);
}

async function prompt(say: Say, daemon: Daemon, io: SimDoorIo, readers: Readers): Promise<void> {
  say(`\n${HELP}`);
  const store = daemon.parts.store;
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'pintu> ', terminal: process.stdin.isTTY ?? false });
  rl.prompt();
  for await (const line of rl) {
    const [cmd, ...args] = line.trim().split(/\s+/);
    try {
      if (!cmd) { /* empty line */ } else if (cmd === 'quit' || cmd === 'exit') break;
      else if (cmd === 'help') say(HELP);
      else if (cmd === 'open') io.openDoor();
      else if (cmd === 'close') io.closeDoor();
      else if (cmd === 'rex') io.pressExit();
      else if (cmd === 'fire') {
        const what = args[0] ?? 'alarm';
        if (what === 'alarm') io.fireAlarm();
        else if (what === 'clear') io.fireClear();
        else if (what === 'cut') io.cutFireCable();
        else if (what === 'repair') io.repairFireCable();
        else throw new Error('usage: fire [clear|cut|repair]');
      } else if (cmd === 'muster') {
        say(musterText(musterOfStore(store), DEMO_SITE, 'Asia/Jakarta'));
      }
      else if (cmd === 'status') say(JSON.stringify(doorSnapshot(store), null, 2));
      else if (cmd === 'events') {
        const n = Number(args[0] ?? 10);
        for (const e of store.events.since(Math.max(0, store.events.lastSeq() - n))) say(eventLine(quiet(e), 'Asia/Jakarta'));
      } else if (cmd === 'tap') {
        const [where, card] = args;
        if ((where !== 'in' && where !== 'out' && where !== 'desk') || !card) throw new Error('usage: tap <in|out|desk> <UID | badge label | officer id>');
        const officer = /^O\d+$/i.test(card) ? store.officer(card.toUpperCase()) : null;
        const badge = store.badgeByLabel(card.toUpperCase());
        readers[where].tap(officer?.badgeUid ?? badge?.uid ?? card);
      } else say(`unknown command "${cmd}" (type help)`);
    } catch (err) {
      say(`  ! ${(err as Error).message}`);
    }
    await pause(50);
    rl.prompt();
  }
  rl.close();
}

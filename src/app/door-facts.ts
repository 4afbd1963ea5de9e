/**
 * The door's facts for the centre (issue 13: the fleet view shows them): pintu's version, the hardware and OS, the
 * clock's state, the door readers and the last health checklist. The composition root gives the sources; the central
 * link reads them for each online status (at each connect and every 30 s), so every read here is cheap, and a fact
 * that cannot be read is left out rather than costing the others.
 */
import type { SystemEnv } from '../ports/system.js';
import type { MetaRepository } from '../ports/store.js';
import type { ClockState, ReaderFact, StatusFacts } from '../protocol/messages.js';
import { loadHealthFact } from './health/checklist.js';

/** Where each fact comes from. */
export interface DoorFactSources {
  /** pintu's version (package.json), or null when unknown. */
  app: string | null;
  /** The hardware and OS in one line (`osDescription`), or null when unknown. */
  os: string | null;
  /** The clock guard's judgement of the clock. */
  clock: { state(): ClockState };
  /** The door readers and whether each is up (the daemon's reader supervisor), or null before it exists. */
  readers: () => ReaderFact[] | null;
  /** Where the last health checklist's summary is kept (`recordReport` writes it). */
  meta: MetaRepository;
}

/** Read one fact; undefined (left out) when it cannot be read. */
function attempt<T>(read: () => T | null): T | undefined {
  try { return read() ?? undefined; } catch { return undefined; }
}

/** The facts of an online status: each one the sources can give now. */
export function doorFacts(s: DoorFactSources): StatusFacts {
  const facts: StatusFacts = {};
  if (s.app) facts.app = s.app.slice(0, 64);
  if (s.os) facts.os = s.os.slice(0, 200);
  const clock = attempt(() => s.clock.state());
  if (clock) facts.clock = clock;
  const readers = attempt(() => s.readers());
  if (readers) facts.readers = readers.slice(0, 16);
  const health = attempt(() => loadHealthFact(s.meta));
  if (health) facts.health = health;
  return facts;
}

/** The value of one `KEY="value"` line of os-release, or null. */
function osReleaseField(text: string | null, key: string): string | null {
  const line = text?.split('\n').find((l) => l.startsWith(`${key}=`));
  return line ? line.slice(key.length + 1).trim().replace(/^"(.*)"$/, '$1') || null : null;
}

/**
 * The hardware and OS in one line, e.g. `Raspberry Pi 4 Model B Rev 1.4; Debian GNU/Linux 13 (trixie); Linux 6.12.47`:
 * the device-tree model (a Raspberry Pi), the OS release's pretty name, and the kernel (`kernel`, from the root).
 */
export function osDescription(env: Pick<SystemEnv, 'readText'>, kernel: string): string {
  const model = env.readText('proc/device-tree/model')?.replace(/\0/g, '').trim() || null;
  const release = osReleaseField(env.readText('etc/os-release'), 'PRETTY_NAME');
  return [model, release, kernel.trim() || null].filter((p): p is string => p !== null).join('; ').replace(/[\u0000-\u001f]/g, ' ').slice(0, 200);
}

/**
 * A fake libgpiod Python module (test/fixtures/fake-gpiod, v1 and v2 flavours) for tests of `hardware: gpiod`: the real
 * helper script runs against it, and every request, level change and release lands in a log the test reads.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';

const FIXTURES = fileURLToPath(new URL('../fixtures/fake-gpiod/', import.meta.url));

/** Debian's python3 where it exists (CI), else the one on PATH. */
export const TEST_PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** The fake's behaviour (config.json). */
export interface FakeGpiodConfig {
  /** gpiochipN -> label and number of lines. */
  chips?: Record<string, { label: string; lines: number }>;
  /** Offset -> consumer already holding it (EBUSY). */
  busy?: Record<string, string>;
  /** Opening any chip fails with EACCES. */
  denied?: boolean;
  /** Offset -> physical level of an input at the start. */
  initial?: Record<string, 0 | 1>;
  /** The helper process dies (exit 9) when one of these offsets is driven active. */
  dieOnActive?: number[];
  /** The helper hangs when one of these offsets is driven active. */
  hangOnActive?: number[];
}

/** One entry of the fake's log (physical levels). */
export interface FakeGpiodEntry {
  /** request | set | release. */
  op: 'request' | 'set' | 'release';
  /** request: the chip's name. */
  chip?: string;
  /** request: 1 or 2. */
  api?: number;
  /** request: offset -> settings (dir, activeLow, physical for outputs, debounceMs/edge for inputs). */
  lines?: Record<string, { dir: 'in' | 'out'; activeLow: boolean; physical?: number; debounceMs?: number; edge?: string }>;
  /** set: the offset and its new physical level. */
  offset?: number;
  /** set: physical level. */
  physical?: number | Record<string, number>;
  /** release: the offsets released. */
  offsets?: number[];
}

/** A fake GPIO world in a temp dir. */
export interface FakeGpiod {
  /** The temp dir. */
  dir: string;
  /** Where the gpiochip device files are (for `devDir`). */
  devDir: string;
  /** Environment for the helper (PYTHONPATH at the fake, FAKE_GPIOD_DIR). */
  env: NodeJS.ProcessEnv;
  /** Everything logged so far. */
  log(): FakeGpiodEntry[];
  /** Change an input's physical level (the fake reports the edge). */
  drive(offset: number, physical: 0 | 1): void;
  /** Wait until the log satisfies `check` (which throws until it does). */
  waitFor<T>(check: (log: FakeGpiodEntry[]) => T, timeoutMs?: number): Promise<T>;
  /** Remove the temp dir. */
  cleanup(): void;
}

/** Pi 4 on Linux 6.6: the header chip is gpiochip0, the firmware expander gpiochip1. */
export const PI4_CHIPS = { gpiochip0: { label: 'pinctrl-bcm2711', lines: 58 }, gpiochip1: { label: 'raspberrypi-exp-gpio', lines: 8 } };

/** Make a fake GPIO world for the `v1` or `v2` binding. */
export function fakeGpiod(flavour: 'v1' | 'v2', config: FakeGpiodConfig = {}): FakeGpiod {
  const dir = mkdtempSync(join(tmpdir(), `pintu-gpiod-${flavour}-`));
  const devDir = join(dir, 'dev');
  mkdirSync(devDir);
  mkdirSync(join(dir, 'edges'));
  const chips = config.chips ?? PI4_CHIPS;
  for (const name of Object.keys(chips)) writeFileSync(join(devDir, name), '');
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, chips }));
  let edge = 0;
  const log = (): FakeGpiodEntry[] => {
    const file = join(dir, 'log.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as FakeGpiodEntry);
  };
  return {
    dir,
    devDir,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', FAKE_GPIOD_DIR: dir, PYTHONPATH: `${join(FIXTURES, 'common')}:${join(FIXTURES, flavour)}` },
    log,
    drive(offset, physical) {
      // Written beside, then renamed in: the fake never reads a half-written file.
      const tmp = join(dir, `edge-${++edge}.tmp`);
      writeFileSync(tmp, JSON.stringify({ offset, physical }));
      renameSync(tmp, join(dir, 'edges', `${edge}.json`));
    },
    waitFor: (check, timeoutMs = 10_000) => vi.waitFor(() => check(log()), { timeout: timeoutMs, interval: 20 }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The physical levels an offset was driven to, in order (its request's level first). */
export function physicalHistory(log: FakeGpiodEntry[], offset: number): number[] {
  const out: number[] = [];
  for (const e of log) {
    const l = e.op === 'request' ? e.lines?.[String(offset)] : undefined;
    if (l?.physical !== undefined) out.push(l.physical);
    if (e.op === 'set' && e.offset === offset) out.push(e.physical as number);
  }
  return out;
}

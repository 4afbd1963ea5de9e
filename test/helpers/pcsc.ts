/**
 * A private pcscd (foreground, own reader.conf.d in a temp dir) with vsmartcard's vpcd driver, plus a tiny
 * virtual contactless card speaking the vpcd protocol over TCP: insert = connect the card's socket, remove = close it.
 *
 * vpcd protocol: every message is a 2-byte big-endian length then the payload. 1-byte payloads from vpcd are
 * control messages (0x00 power off, 0x01 power on, 0x02 reset: no answer; 0x04 get ATR: answer the ATR);
 * anything longer is a C-APDU, answered with an R-APDU. A card's own `respond` (e.g. the virtual NTAG 424 DNA in
 * ntag424-card.ts) may answer every C-APDU, stay silent, or leave the reader mid-command.
 *
 * Throws (never skips) when pcscd or the vpcd driver is missing, when not root, or when a foreign pcscd runs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** ATR of a Mifare-class ISO 14443-3 card as reported by PC/SC contactless readers (PC/SC part 3). */
export const MIFARE_ATR = Buffer.from('3B8F8001804F0CA000000306030001000000006A', 'hex');
/** Append the TCK byte (XOR of every byte after TS), required in ATRs that offer T=1. */
export function withTck(atrWithoutTck: Buffer): Buffer {
  let tck = 0;
  for (const b of atrWithoutTck.subarray(1)) tck ^= b;
  return Buffer.concat([atrWithoutTck, Buffer.from([tck])]);
}

/** ATR of an ISO 14443-4 card as built by PC/SC contactless readers from its ATS (e.g. an e-KTP chip): 3B 8n 80 01 + historical bytes + TCK. */
export const ISO14443_4_ATR = withTck(Buffer.from('3B888001' + '0031C173C8400090', 'hex'));
/** ATR of an NTAG 424 DNA as PC/SC contactless readers report it: its ATS (06 77 77 71 02 80) has one historical byte, 80. */
export const NTAG424_ATR = withTck(Buffer.from('3B818001' + '80', 'hex'));

const PREFIX = 'pintu-pcsc-';
const RUN_DIR = '/run/pcscd';
/** Only one pcscd can run per machine (its socket is fixed), so concurrent test runs take turns with this lock. */
const LOCK = join(tmpdir(), 'pintu-pcsc-test.lock');

/** A virtual card in the virtual reader. */
export interface VirtualCard {
  /** Every C-APDU the card received. */
  apdus: Buffer[];
  /** Take the card out of the reader (close its socket). Idempotent. */
  remove(): Promise<void>;
}

/** Options of a virtual card. */
export interface VirtualCardOptions {
  /** The card's UID in hex. */
  uid: string;
  /** ATR (default {@link MIFARE_ATR}). */
  atr?: Buffer;
  /** Answer to GET DATA UID instead of UID + 90 00 (e.g. Buffer.from('6A81', 'hex')). */
  uidResponse?: Buffer;
  /**
   * The card's own answer to every C-APDU (e.g. a VirtualNtag424's `respond`): an R-APDU, 'silent' (never answer, the
   * socket stays open) or 'remove' (leave the reader: the socket closes). Default: UID + 90 00 to GET DATA UID, else 6A 81.
   */
  respond?: (apdu: Buffer) => Buffer | 'silent' | 'remove';
  /** Called when the reader powers the card up or resets it (a new tap: a stateful card drops its session). */
  onPowerUp?: () => void;
  /** Which of vpcd's two slots (two readers: `readerName` and `secondReaderName`) the card goes into; default 0. */
  slot?: 0 | 1;
}

/** A running private pcscd with the vpcd driver. */
export interface PcscTestEnv {
  /** TCP port of the first vpcd slot (the card connects here). */
  port: number;
  /** PC/SC name of the first vpcd slot, e.g. "Pintu VPCD 00 00". */
  readerName: string;
  /** PC/SC name of the second vpcd slot (port + 1), e.g. "Pintu VPCD 00 01": a second reader (the desk beside a door). */
  secondReaderName: string;
  /** FRIENDLYNAME of the vpcd reader (substring of both slot names). */
  friendlyName: string;
  /** The last part of pcscd's output (for failure messages). */
  log(): string;
  /** Put a card in the first slot; resolves once the card's socket is connected. */
  insertCard(options: VirtualCardOptions): Promise<VirtualCard>;
  /** Stop pcscd (as if it crashed or was stopped), keeping the configuration. */
  killPcscd(): Promise<void>;
  /** pcscd is running (not killed). */
  isRunning(): boolean;
  /** Start pcscd again after killPcscd(). */
  restartPcscd(): Promise<void>;
  /** Remove cards, stop pcscd, delete the temp dir. Idempotent. */
  stop(): Promise<void>;
}

function findVpcdDriver(): string | null {
  const candidates = ['/usr/lib/pcsc/drivers/serial/libifdvpcd.so', '/usr/local/lib/pcsc/drivers/serial/libifdvpcd.so'];
  try {
    const conf = readFileSync('/etc/reader.conf.d/vpcd', 'utf8');
    const m = /^\s*LIBPATH\s+(\S+)/m.exec(conf);
    if (m?.[1]) candidates.unshift(m[1]);
  } catch {
    // no system vpcd config; try the usual paths
  }
  return candidates.find((p) => existsSync(p)) ?? null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Take the machine-wide test lock, waiting for another test run holding it; a lock whose owner died is taken over. */
async function acquireLock(timeoutMs: number): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(LOCK, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(LOCK, 'utf8').trim() === String(process.pid)) unlinkSync(LOCK);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(LOCK, 'utf8').trim());
    } catch {
      continue; // released meanwhile
    }
    if (!Number.isInteger(owner) || owner <= 0 || !isAlive(owner)) {
      try {
        unlinkSync(LOCK); // its owner died
      } catch {
        // someone else took it over first
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`another test run (pid ${owner}) has been using pcscd for too long (lock ${LOCK})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Kill a stale pcscd left by an earlier crashed run of these tests (we hold the lock, so it is orphaned); throw if a foreign pcscd is running. */
async function clearStalePcscd(): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(join(RUN_DIR, 'pcscd.pid'), 'utf8').trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    // cannot tell
  }
  if (!cmdline.includes(PREFIX)) {
    throw new Error(
      `another pcscd (pid ${pid}: ${cmdline.trim() || 'unknown command'}) is running; this test starts its own. ` +
        'Stop it first (sudo systemctl stop pcscd.socket pcscd).',
    );
  }
  process.kill(pid, 'SIGTERM');
  await waitFor(() => !isAlive(pid), 5000, () => `stale test pcscd (pid ${pid}) did not exit`);
}

/** A TCP port p such that p and p+1 (vpcd's two slots) are free on all interfaces. */
async function freePortPair(): Promise<number> {
  const tryListen = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, () => srv.close(() => resolve(true)));
    });
  for (let i = 0; i < 50; i++) {
    const p = 20000 + Math.floor(Math.random() * 40000);
    if ((await tryListen(p)) && (await tryListen(p + 1))) return p;
  }
  throw new Error('could not find two free TCP ports for vpcd');
}

/** Start a private pcscd with vpcd on fresh ports. */
export async function startPcscTestEnv(
  options: { friendlyName?: string; timeoutMs?: number; lockTimeoutMs?: number } = {},
): Promise<PcscTestEnv> {
  const version = spawnSync('pcscd', ['--version'], { stdio: 'ignore' });
  if (version.error) throw new Error('pcscd is required for this test (apt-get install pcscd)');
  const driver = findVpcdDriver();
  if (!driver) throw new Error('the vpcd driver is required for this test (apt-get install vsmartcard-vpcd)');
  if (process.getuid?.() !== 0) throw new Error(`this test starts pcscd, which must run as root (it uses ${RUN_DIR})`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  // Test files using pcscd take turns (two vitest workers): the longest holds it about a minute, longer on a loaded runner.
  const releaseLock = await acquireLock(options.lockTimeoutMs ?? 240_000);
  try {
    await clearStalePcscd();
  } catch (e) {
    releaseLock();
    throw e;
  }

  const friendlyName = options.friendlyName ?? 'Pintu VPCD';
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  const confDir = join(dir, 'reader.conf.d');
  let port: number;
  try {
    mkdirSync(confDir);
    port = await freePortPair();
    const hex = `0x${port.toString(16)}`;
    writeFileSync(join(confDir, 'vpcd'), `FRIENDLYNAME "${friendlyName}"\nDEVICENAME /dev/null:${hex}\nLIBPATH ${driver}\nCHANNELID ${hex}\n`);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    releaseLock();
    throw e;
  }

  let output = '';
  let partial = '';
  /** How many times pcscd has logged a card inserted into / removed from the first slot. */
  const seen = [{ inserted: 0, removed: 0 }, { inserted: 0, removed: 0 }];
  const slotNames = [`${friendlyName} 00 00`, `${friendlyName} 00 01`];
  let child: ChildProcess | null = null;
  const cards = new Set<VirtualCard>();

  const startDaemon = async (): Promise<void> => {
    output = '';
    partial = '';
    const c = spawn('pcscd', ['--foreground', '--debug', '--config', confDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    const collect = (d: Buffer): void => {
      const text = d.toString('utf8');
      output = (output + text).slice(-50_000);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        slotNames.forEach((slotName, i) => {
          if (line.endsWith(`Card inserted into ${slotName}`)) seen[i]!.inserted++;
          else if (line.endsWith(`Card Removed From ${slotName}`)) seen[i]!.removed++;
        });
      }
    };
    c.stdout?.on('data', collect);
    c.stderr?.on('data', collect);
    let spawnError: Error | null = null;
    c.on('error', (e) => (spawnError = e));
    await waitFor(
      () => spawnError !== null || c.exitCode !== null || (output.includes('daemon ready') && output.includes(`port ${port}`)),
      timeoutMs,
      () => `pcscd did not become ready in time; its output:\n${output}`,
    ).catch(async (e: unknown) => {
      await killDaemon();
      throw e;
    });
    if (spawnError !== null || c.exitCode !== null) {
      throw new Error(`pcscd failed to start (${String(spawnError ?? `exit code ${c.exitCode}`)}); its output:\n${output}`);
    }
  };

  const killDaemon = async (): Promise<void> => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  const insertCard = async (opts: VirtualCardOptions): Promise<VirtualCard> => {
    const atr = opts.atr ?? MIFARE_ATR;
    const uidAnswer = opts.uidResponse ?? Buffer.concat([Buffer.from(opts.uid, 'hex'), Buffer.from([0x90, 0x00])]);
    const apdus: Buffer[] = [];
    const slot = opts.slot ?? 0;
    const sock: Socket = connect(port + slot, '127.0.0.1');
    sock.setNoDelay(true);
    let buf = Buffer.alloc(0);
    /** Set once the card exists: how the card takes itself out of the reader mid-APDU ('remove' answer). */
    let removeSelf: (() => void) | null = null;
    const send = (payload: Buffer): void => {
      const head = Buffer.alloc(2);
      head.writeUInt16BE(payload.length);
      sock.write(Buffer.concat([head, payload]));
    };
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2) {
        const n = buf.readUInt16BE(0);
        if (buf.length < 2 + n) break;
        const msg = Buffer.from(buf.subarray(2, 2 + n));
        buf = buf.subarray(2 + n);
        if (n === 1) {
          if (msg[0] === 0x04) send(atr); // 0x00 off, 0x01 on, 0x02 reset: no answer
          else if (msg[0] === 0x01 || msg[0] === 0x02) opts.onPowerUp?.();
          continue;
        }
        apdus.push(msg);
        if (opts.respond) {
          const answer = opts.respond(msg);
          if (answer === 'remove') {
            // vpcd turns a closed card socket into an empty answer with success, never an error; a real reader losing
            // the card makes SCardTransmit fail. So the card first sends an answer longer than any reader buffer
            // (vpcd then fails the transmit: IFD_COMMUNICATION_ERROR), then leaves.
            send(Buffer.alloc(0xffff));
            if (removeSelf) removeSelf();
            else sock.destroy();
            return;
          }
          if (answer !== 'silent') send(answer);
        } else if (msg.equals(Buffer.from([0xff, 0xca, 0x00, 0x00, 0x00]))) send(uidAnswer);
        else send(Buffer.from([0x6a, 0x81])); // function not supported
      }
    });
    sock.on('error', () => undefined); // pcscd going away is part of some tests
    const insertedBefore = seen[slot]!.inserted;
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', () => resolve());
      sock.once('error', (e) => reject(new Error(`virtual card could not connect to vpcd on port ${port}: ${e.message}`)));
    });
    let noticed = false;
    let removing: Promise<void> | null = null;
    const removeOnce = async (flushFirst: boolean): Promise<void> => {
      cards.delete(card);
      if (sock.destroyed) return;
      const removedBefore = seen[slot]!.removed;
      const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
      if (flushFirst) await new Promise<void>((resolve) => sock.end(() => resolve())); // let the last answer out
      sock.destroy();
      await closed;
      // vpcd only notices a closed card socket at its next presence poll; wait for it, or a quick re-insert would
      // look to pcscd like the same card still being there.
      if (noticed && child !== null) {
        await waitFor(() => seen[slot]!.removed > removedBefore || child === null, timeoutMs, () => `pcscd did not notice the card removal; its output:\n${output}`);
      }
    };
    const card: VirtualCard = {
      apdus,
      // a card that pulled itself out ('remove') and the test's own remove() share one removal
      remove: () => (removing ??= removeOnce(false)),
    };
    removeSelf = () => void (removing ??= removeOnce(true)).catch(() => undefined);
    cards.add(card);
    await waitFor(() => seen[slot]!.inserted > insertedBefore, timeoutMs, () => `pcscd did not notice the inserted card; its output:\n${output}`).catch(
      async (e: unknown) => {
        await card.remove();
        throw e;
      },
    );
    noticed = true;
    return card;
  };

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const c of [...cards]) await c.remove();
    await killDaemon();
    rmSync(dir, { recursive: true, force: true });
    releaseLock();
  };

  try {
    await startDaemon();
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    port,
    readerName: slotNames[0]!,
    secondReaderName: slotNames[1]!,
    friendlyName,
    log: () => output,
    insertCard,
    killPcscd: killDaemon,
    isRunning: () => child !== null,
    restartPcscd: startDaemon,
    stop,
  };
}

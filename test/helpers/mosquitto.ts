/**
 * A real Mosquitto for tests: generated config on free loopback ports, password file (mosquitto_passwd), an ACL
 * file, raised queue limits (the defaults drop QoS 1 messages past 1000), and TLS with a CA made by openssl.
 * Throws (never skips) when mosquitto or openssl is missing.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Throw a clear error if a program is not installed. */
export function requireProgram(name: string, pkg: string): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/usr/local/bin'])) {
    try { accessSync(join(dir, name), constants.X_OK); return join(dir, name); } catch { /* next */ }
  }
  throw new Error(`${name} is not installed; install the Debian package "${pkg}" (apt-get install -y ${pkg}) — this test needs it`);
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); });
  });
}

/** Poll until `fn` returns true, or throw after `ms`. */
export async function waitFor(what: string, fn: () => boolean | Promise<boolean>, ms = 10_000, every = 25): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** A test CA and a server certificate for 127.0.0.1 / localhost. */
export interface TestCa {
  /** CA certificate (PEM file). */
  caFile: string;
  /** Server certificate. */
  certFile: string;
  /** Server key. */
  keyFile: string;
}

/** Make a CA and a server certificate with openssl in `dir`. */
export function makeTestCa(dir: string): TestCa {
  const openssl = requireProgram('openssl', 'openssl');
  const p = (f: string): string => join(dir, f);
  const run = (...args: string[]): void => { execFileSync(openssl, args, { stdio: 'pipe' }); };
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '2', '-subj', '/CN=pintu test CA');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(p('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run('x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.crt'), '-days', '2', '-extfile', p('ext.cnf'));
  return { caFile: p('ca.crt'), certFile: p('server.crt'), keyFile: p('server.key') };
}

/** Options of a test broker. */
export interface MosquittoOptions {
  /** user name → password. */
  users: Record<string, string>;
  /** ACL file text. */
  acl: string;
  /** Also listen with TLS. */
  tls?: boolean;
  /** Extra config lines, appended after the listeners (e.g. a bridge `connection` block). */
  extra?: string[];
}

/** A running test broker. */
export interface TestBroker {
  /** mqtt://127.0.0.1:PORT */
  url: string;
  /** mqtts://127.0.0.1:PORT (with tls). */
  tlsUrl: string | null;
  /** The test CA (with tls). */
  ca: TestCa | null;
  /** Stop the broker (SIGTERM, wait). */
  stop(): Promise<void>;
  /** Start it again on the same ports. */
  start(): Promise<void>;
  /** Stop and delete its files. */
  cleanup(): Promise<void>;
  /** What the broker wrote to stderr. */
  output(): string;
}

/** The ACL that pintu ships (config/mosquitto/acl.example), for the given doors and the central user. */
export function pintuAcl(doors: { site: string; door: string }[], centralUser = 'pintu-central'): string {
  const lines = [`user ${centralUser}`, 'topic read pintu/v1/+/+/events', 'topic read pintu/v1/+/+/status', 'topic read pintu/v1/+/+/replies',
    'topic write pintu/v1/+/+/ack', 'topic write pintu/v1/+/+/commands', ''];
  for (const d of doors) {
    const t = `pintu/v1/${d.site}/${d.door}`;
    lines.push(`user ${d.site}.${d.door}`, `topic write ${t}/events`, `topic write ${t}/status`, `topic write ${t}/replies`, `topic read ${t}/ack`, `topic read ${t}/commands`, '');
  }
  return lines.join('\n');
}

/** Start a Mosquitto with a generated config. */
export async function startMosquitto(o: MosquittoOptions): Promise<TestBroker> {
  const bin = requireProgram('mosquitto', 'mosquitto');
  const passwd = requireProgram('mosquitto_passwd', 'mosquitto');
  const dir = mkdtempSync(join(tmpdir(), 'pintu-mosq-'));
  const port = await freePort();
  const tlsPort = o.tls ? await freePort() : null;
  const ca = o.tls ? makeTestCa(dir) : null;
  const pwFile = join(dir, 'passwd');
  writeFileSync(pwFile, '', { mode: 0o600 });
  for (const [u, pw] of Object.entries(o.users)) execFileSync(passwd, ['-b', pwFile, u, pw], { stdio: 'pipe' });
  writeFileSync(join(dir, 'acl'), o.acl);
  const conf = [
    'user root', 'persistence false', 'per_listener_settings false', 'allow_anonymous false',
    `password_file ${pwFile}`, `acl_file ${join(dir, 'acl')}`,
    'max_queued_messages 1000000', 'max_inflight_messages 1000', 'max_queued_bytes 0', 'set_tcp_nodelay true',
    'log_dest stderr', 'log_type error', 'log_type warning',
    `listener ${port} 127.0.0.1`,
    ...(ca && tlsPort ? [`listener ${tlsPort} 127.0.0.1`, `cafile ${ca.caFile}`, `certfile ${ca.certFile}`, `keyfile ${ca.keyFile}`] : []),
    ...(o.extra ?? []),
  ];
  writeFileSync(join(dir, 'mosquitto.conf'), conf.join('\n') + '\n');
  let proc: ChildProcess | null = null;
  let out = '';
  const start = async (): Promise<void> => {
    if (proc && proc.exitCode === null && proc.signalCode === null) return; // already running
    const p = spawn(bin, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc = p;
    p.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
    let exited = false;
    p.once('exit', () => { exited = true; });
    await waitFor('mosquitto to listen', async () => {
      if (exited) throw new Error(`mosquitto exited: ${out}`);
      return (await portOpen(port)) && (tlsPort === null || (await portOpen(tlsPort)));
    }, 10_000);
  };
  const stop = async (): Promise<void> => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => { p.once('exit', () => resolve()); p.kill('SIGTERM'); });
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    tlsUrl: tlsPort ? `mqtts://127.0.0.1:${tlsPort}` : null,
    ca,
    stop,
    start,
    cleanup: async () => { await stop(); rmSync(dir, { recursive: true, force: true }); },
    output: () => out,
  };
}

/**
 * The live side of `bench/central-fleet.ts`: a door that raises an alarm on demand (the door protocol: a signed `events`
 * message at QoS 1 continuing the door's chain, the centre's signed ack checked), and a dashboard user (the sign-in
 * form with its CSRF token and cookie, page timings on one keep-alive connection, the `/live` SSE stream as htmx's SSE
 * extension reads it). The user is made with `pintu central user add` (password on stdin), as an office would.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { connect, type MqttClient } from 'mqtt';
import { eventHash } from '../src/protocol/chain.js';
import { ackMessageSchema, parsePayload, type WireEvent } from '../src/protocol/messages.js';
import { publicKeyFromText, publicKeyToText, signBody, verifyBody } from '../src/protocol/signing.js';
import { topicOf } from '../src/protocol/topics.js';
import { ConsoleClient, type LiveStream } from './console-client.js';

/** A door of the fleet driven by the bench: it continues its stored chain and sends one alarm at a time. */
export class AlarmDoor {
  private readonly privateKey: KeyObject;
  /** The public key to enrol (the bench re-enrols the door with it before the receivers start). */
  readonly publicKey: string;
  private client: MqttClient | null = null;
  private acked = 0;
  private readonly waiters: Array<{ seq: number; done: () => void }> = [];

  constructor(private readonly url: string, readonly site: string, readonly door: string, private seq: number, private hash: string, private readonly centralKey: string) {
    const k = generateKeyPairSync('ed25519');
    this.privateKey = k.privateKey;
    this.publicKey = publicKeyToText(k.publicKey);
    this.acked = seq;
  }

  /** Connect as `site.door` (password `pw-door`) and subscribe to the door's acks. */
  async connect(): Promise<void> {
    const central = publicKeyFromText(this.centralKey);
    const client = connect(this.url, { username: `${this.site}.${this.door}`, password: `pw-${this.door}`, clientId: `alarm-${this.door}`, clean: true, reconnectPeriod: 500 });
    this.client = client;
    client.on('message', (_t, payload) => {
      const msg = parsePayload(ackMessageSchema, payload);
      if (!msg || !verifyBody(central, 'ack', this.site, this.door, msg) || msg.upTo <= this.acked) return;
      this.acked = msg.upTo;
      for (const w of [...this.waiters]) if (w.seq <= this.acked) { this.waiters.splice(this.waiters.indexOf(w), 1); w.done(); }
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => client.subscribe(topicOf(this.site, this.door, 'ack'), { qos: 1 }, (err) => (err ? reject(err) : resolve())));
      client.once('error', reject);
    });
  }

  /** Publish a `door.forced` event (the next seq of the chain); resolves with its seq once the centre acknowledged it. */
  async forced(): Promise<{ seq: number; acked: Promise<void> }> {
    const seq = this.seq + 1;
    const at = new Date().toISOString();
    const data = {};
    const hash = eventHash(this.hash, this.door, seq, 'door.forced', at, JSON.stringify(data));
    const events: WireEvent[] = [{ seq, type: 'door.forced', at, data, prevHash: this.hash, hash }];
    this.seq = seq;
    this.hash = hash;
    const acked = new Promise<void>((done) => this.waiters.push({ seq, done }));
    this.client!.publish(topicOf(this.site, this.door, 'events'), JSON.stringify(signBody(this.privateKey, 'events', this.site, this.door, { v: 1, events })), { qos: 1 });
    return { seq, acked };
  }

  /** Disconnect. */
  async stop(): Promise<void> {
    await this.client?.endAsync();
  }
}

/** Make a dashboard account with the CLI (`pintu central user add`, the password on stdin); throws with the CLI's output. */
export function addDashboardUser(cli: string, config: string, id: string, role: string, password: string): void {
  const r = spawnSync(process.execPath, [cli, 'central', 'user', 'add', id, '--name', `Pengguna ${id}`, '--role', role, '--config', config], { input: `${password}\n`, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pintu central user add ${id} failed (${r.status}): ${r.stderr || r.stdout}`);
}

/** A browser stand-in signed in to the dashboard with a user id and password; throws unless the dashboard let it in. */
export async function dashboardUser(base: string, id: string, password: string): Promise<ConsoleClient> {
  const c = new ConsoleClient(base);
  const form = await c.fetch('/signin');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.raw.toString())?.[1];
  if (!csrf) throw new Error(`the dashboard's sign-in page (HTTP ${form.status}) has no CSRF token`);
  const r = await c.fetch('/signin', { method: 'POST', form: { _csrf: csrf, next: '', user: id, password, code: '' } });
  if (r.status !== 303 || !c.cookieHeader().includes('pintu_session')) throw new Error(`signing in to the dashboard as ${id} failed: HTTP ${r.status}`);
  return c;
}

/** `n` GETs of `path` one after another; each request's ms (request written → last byte), and the last body. */
export async function timeGets(c: ConsoleClient, path: string, n: number, headers?: Record<string, string>): Promise<{ ms: number[]; body: string; status: number }> {
  const ms: number[] = [];
  let body = '';
  let status = 0;
  for (let i = 0; i < n; i++) {
    const r = await c.fetch(path, headers ? { headers } : {});
    ms.push(r.ms);
    body = r.raw.toString();
    status = r.status;
  }
  return { ms, body, status };
}

/** What one alarm measured: publish → the `alerts` notice on the open stream, and → the re-fetched fragment showing it. */
export interface AlarmTiming {
  /** ms to the SSE notice (null: none within the timeout). */
  notice: number | null;
  /** ms to a fragment that contains the alarm (null: the fragment never showed it). */
  shown: number | null;
}

/**
 * One alarm at `door`, as an open dashboard sees it: the page's stream announces `alerts`, the page re-GETs its fragment
 * (`fragment`), and the alarm is shown once that fragment names the door and the alarm's seq (re-fetched on each later
 * notice until then, as htmx would).
 */
export async function alarmToScreen(door: AlarmDoor, live: LiveStream, c: ConsoleClient, fragment: string, timeoutMs = 2000): Promise<AlarmTiming> {
  const t0 = performance.now();
  const { seq, acked } = await door.forced();
  const end = t0 + timeoutMs;
  let notice: number | null = null;
  for (;;) {
    const left = end - performance.now();
    if (left <= 0) break;
    const m = await live.next((x) => x.event === 'alerts', left);
    if (!m) break;
    notice ??= performance.now() - t0;
    const r = await c.fetch(fragment, { headers: { 'hx-request': 'true' } });
    const html = r.raw.toString();
    if (html.includes(door.door) && (html.includes(`seq ${seq} `) || html.includes(`#${seq}`) || html.includes(`>${seq}<`))) {
      await Promise.race([acked, new Promise((r2) => setTimeout(r2, 2000))]);
      return { notice, shown: performance.now() - t0 };
    }
  }
  await Promise.race([acked, new Promise((r2) => setTimeout(r2, 2000))]);
  return { notice, shown: null };
}

/**
 * The centre's watchlist for a door (issue 14 item 8) over a real Mosquitto: `pintu central watchlist send`'s path
 * (CommandSender, `watchlist` action) seals the NIKs and reasons to the door's X25519 key; the door opens them, keeps
 * only keyed hashes and masked NIKs (source central), and a request there with a listed NIK raises the alarm, which
 * reaches the centre as an alert. No NIK crosses the broker or lands in the centre's database.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'mqtt';
import { startMosquitto, pintuAcl, waitFor, type TestBroker } from '../helpers/mosquitto.js';
import { makeCentre, makeDoor } from '../helpers/door.js';
import { CommandSender } from '../../src/central/commands.js';
import { watchlistEntries } from '../../src/cli/central.js';
import { testNik } from '../helpers/config.js';

const SITE = 'kanwil-gorontalo';
const USERS = { 'pintu-central': 'central-pw', [`${SITE}.dc-1`]: 'door1-pw', sniffer: 'sniff-pw' };
let broker: TestBroker;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => { broker = await startMosquitto({ users: USERS, acl: `${pintuAcl([{ site: SITE, door: 'dc-1' }])}\nuser sniffer\ntopic read #\n` }); });
afterAll(async () => { await broker?.cleanup(); });
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

async function client(username: string, password: string): Promise<ReturnType<typeof connect>> {
  const c = connect(broker.url, { username, password, clientId: `${username}-${Math.random().toString(16).slice(2, 8)}` });
  cleanups.push(async () => { await c.endAsync(); });
  await waitFor(`${username} connected`, () => c.connected);
  return c;
}

describe('a watchlist from the centre', () => {
  it('is applied at the door from a sealed, signed command; a listed NIK then raises the alarm there and an alert at the centre', async () => {
    const door = makeDoor(SITE, 'dc-1');
    const centre = makeCentre();
    cleanups.push(() => centre.cleanup(), () => door.cleanup());
    await centre.store.enroll(SITE, 'dc-1', door.key.publicKeyText, Date.now());
    await centre.start({ url: broker.url, username: 'pintu-central', password: 'central-pw' });
    const sniffer = await client('sniffer', 'sniff-pw');
    const seen: string[] = [];
    sniffer.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString('latin1')}`));
    await sniffer.subscribeAsync('#', { qos: 1 });
    door.visits.addOfficer('Kepala', 'head', '0A0B0C0D99');
    door.visits.addOfficer('Staf', 'staff', '0A0B0C0D98');
    door.connect({ url: broker.url, username: `${SITE}.dc-1`, password: 'door1-pw' }, centre.key.publicKeyText);
    await waitFor('sealing key known at the centre', async () => (await centre.store.door(SITE, 'dc-1'))?.sealKey === door.sealKey.publicKeyText);
    const sender = new CommandSender(await client('pintu-central', 'central-pw'), centre.store, centre.key);
    const [a, b] = [testNik(71), testNik(72)];
    const entries = watchlistEntries([`${a},2030-06-30,pemalsuan surat tugas`, '# komentar', `${b},2030-06-30T17:00,dilarang masuk`], 'Asia/Makassar');
    expect(entries[0]!.until).toBe('2030-06-30T15:59:59.999Z');
    const r = await sender.send(SITE, 'dc-1', 'watchlist', { mode: 'replace', by: 'admin-kanwil', entries }, { ttlSeconds: 60, waitMs: 10_000 });
    expect(r.reply).toMatchObject({ ok: true, action: 'watchlist' });
    expect(Object.keys(r.command.args).sort()).toEqual(['by', 'mode', 'sealed']);
    expect(door.watchlist.list().map((e) => [e.source, e.addedBy, e.reason]).sort()).toEqual([['central', 'admin-kanwil', 'dilarang masuk'], ['central', 'admin-kanwil', 'pemalsuan surat tugas']]);

    const v = door.visits.request({ name: 'Anton', nik: b, org: 'PT W', purpose: 'audit', by: 'O2' });
    door.link!.notify();
    expect(v.state).toBe('requested');
    await waitFor('the alarm as an alert at the centre', async () => (await centre.store.alerts()).some((x) => x.kind === 'alarm.watchlist_match' && x.detail.includes(v.id)), 15_000);
    const wire = seen.join('\n');
    const dbBytes = readdirSync(centre.dir).filter((f) => f.startsWith('central.db')).map((f) => readFileSync(join(centre.dir, f)).toString('latin1')).join('\n');
    for (const nik of [a, b, a.slice(0, 12), b.slice(0, 12)]) {
      expect(wire).not.toContain(nik);
      expect(dbBytes).not.toContain(nik);
    }
    expect(wire).not.toContain('pemalsuan surat tugas');
  }, 60_000);
});

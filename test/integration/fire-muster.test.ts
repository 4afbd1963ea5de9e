/**
 * The fire input and the muster list on a real daemon (store in a temp dir, sim door with a supervised fire input, sim
 * readers) with its console (issue 14 items 6 and 7): a fire with policy release holds the strike unlocked and writes
 * alarm.fire, the console shows the fire box linking the muster list on every page, the alarm's end locks it and writes
 * fire.cleared; stay-locked alarms with the strike locked; a cut cable is a fault shown as such. `pintu muster` (text,
 * --json, --html) run against the same data dir while the daemon runs lists the visitor (escort, devices, since when,
 * in WIB with the offset) and the officer; the NIK is in none of its outputs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CARDS, startConsoleDoor, type ConsoleDoor } from '../helpers/console.js';
import { pintu, pintuJson, until } from '../helpers/cli.js';
import { testNik } from '../helpers/config.js';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';

const doors: ConsoleDoor[] = [];
afterEach(async () => {
  for (const d of doors.splice(0)) await d.close();
});

async function door(onAlarm: 'release' | 'stay-locked'): Promise<ConsoleDoor> {
  const d = await startConsoleDoor({
    io: new SimDoorIo({ fireInput: true }),
    configOverrides: { fire: { onAlarm, settleMs: 50 }, gpio: { fireAlarm: { pin: 5, supervision: { pin: 6 } } } },
  });
  doors.push(d);
  return d;
}

/** Tap a card at the entry reader once the door is locked again, and walk through. */
async function walkIn(d: ConsoleDoor, uid: string): Promise<void> {
  await until(() => !d.io.relay.isOn, 'the door locked before the tap');
  const grants = d.io.relayHistory.filter((c) => c.on).length;
  d.reader.in.tap(uid);
  await until(() => d.io.relayHistory.filter((c) => c.on).length > grants, `the strike for ${uid}`);
  d.io.openDoor();
  await new Promise((r) => setTimeout(r, 50));
  d.io.closeDoor();
}

/** The head (O1), then the visitor of a new visit with a laptop (badge TAMU-01), walk in; returns the visit id. */
async function peopleInside(d: ConsoleDoor): Promise<string> {
  const visit = d.seedVisit({ name: 'Dewi Lestari', devices: [{ description: 'Laptop Lenovo', serial: 'PF-12345' }], issue: CARDS.badge1 });
  await walkIn(d, CARDS.head);
  await walkIn(d, CARDS.badge1);
  await until(() => d.store.visitsInside().length === 1, 'the visitor inside');
  await until(() => !d.io.relay.isOn, 'the strike ended');
  return visit;
}

const typesOf = (d: ConsoleDoor): string[] => d.store.events.since(0, 10_000).map((e) => e.type);

describe('fire alarm input on a running door', () => {
  it('release: strike held unlocked with the fire box and the muster link on every page; cleared locks it', async () => {
    const d = await door('release');
    const visit = await peopleInside(d);
    const staff = await d.signedIn('O3');
    d.io.fireAlarm();
    await until(() => typesOf(d).includes('alarm.fire'), 'alarm.fire in the log');
    expect(d.io.relay.isOn).toBe(true);
    const fire = d.store.events.since(0, 10_000).find((e) => e.type === 'alarm.fire')!;
    expect(fire.data).toMatchObject({ policy: 'release', released: true });
    // Held past many strike ends (strikeSeconds: 1), the door open and shut: no forced or held alarm.
    d.io.openDoor();
    await new Promise((r) => setTimeout(r, 2500));
    d.io.closeDoor();
    expect(d.io.relay.isOn).toBe(true);
    for (const path of ['/door', '/queue']) {
      const page = await staff.get(path);
      expect(page.text).toContain('data-fire="alarm"');
      expect(page.text).toContain('ALARM KEBAKARAN');
      expect(page.text).toMatch(/<a class="fire-muster" href="\/muster">Daftar orang di dalam ruangan \(2 orang\)<\/a>/);
      expect(page.text).toContain('Kunci pintu dibuka selama alarm');
    }
    const muster = await staff.get('/muster');
    expect(muster.text).toMatch(new RegExp(`<tr data-visit="${visit}"><td>1</td><td>Dewi Lestari</td>`));
    d.io.fireClear();
    await until(() => typesOf(d).includes('fire.cleared'), 'fire.cleared in the log');
    await until(() => !d.io.relay.isOn, 'the strike locked again');
    expect((await staff.get('/door')).text).not.toContain('data-fire=');
    const types = typesOf(d);
    expect(types.slice(types.indexOf('alarm.fire'))).not.toContain('door.forced');
    expect(types.slice(types.indexOf('alarm.fire'))).not.toContain('door.held');
  });

  it('stay-locked: alarm.fire with the strike locked, and the banner says so; a cut cable is a fault, not a fire', async () => {
    const d = await door('stay-locked');
    const staff = await d.signedIn('O3');
    d.io.fireAlarm();
    await until(() => typesOf(d).includes('alarm.fire'), 'alarm.fire in the log');
    const page = await staff.get('/door');
    expect(page.text).toContain('data-fire="alarm"');
    expect(page.text).toContain('Pintu tetap terkunci (kebijakan lokasi: tetap terkunci)');
    expect(d.io.relayHistory.filter((c) => c.on)).toEqual([]);
    d.io.fireClear();
    await until(() => typesOf(d).includes('fire.cleared'), 'fire.cleared');
    d.io.cutFireCable();
    await until(() => typesOf(d).includes('alarm.fire_input_fault'), 'the fault');
    await new Promise((r) => setTimeout(r, 300));
    expect(typesOf(d).filter((t) => t === 'alarm.fire')).toHaveLength(1);
    const fault = await staff.get('/door');
    expect(fault.text).toContain('data-fire="fault"');
    expect(fault.text).toContain('Gangguan jalur masukan alarm kebakaran');
    expect(d.io.relayHistory.filter((c) => c.on)).toEqual([]);
  });
});

describe('a restart during a fire alarm', () => {
  it('the daemon starts with the relay off, then holds the strike once the lines read fire (release)', async () => {
    const io = new SimDoorIo({ fireInput: true, fire: 'fire', relayOn: true });
    const d = await startConsoleDoor({ io, configOverrides: { fire: { onAlarm: 'release', settleMs: 50 } } });
    doors.push(d);
    expect(io.relayHistory[0]).toMatchObject({ on: false });
    await until(() => typesOf(d).includes('alarm.fire'), 'alarm.fire after the start');
    await until(() => io.relay.isOn, 'the strike held');
    const types = typesOf(d);
    expect(types.indexOf('daemon.started')).toBeLessThan(types.indexOf('alarm.fire'));
    const staff = await d.signedIn('O3');
    expect((await staff.get('/door')).text).toContain('data-fire="alarm"');
  });
});

describe('pintu muster', () => {
  it('lists who is inside from the door\'s own database (text, --json, --html), never the NIK', async () => {
    const d = await door('release');
    const visit = await peopleInside(d);
    const text = pintu(d.tc.file, ['muster']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('Inside: 1 visitor(s), 1 officer(s) — 2 people');
    expect(text.stdout).toMatch(new RegExp(`1\\. Dewi Lestari — PT Contoh — visit ${visit} — badge TAMU-01 — escort Siti Head \\(O1\\) — since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d WIB \\(\\+07:00\\)`));
    expect(text.stdout).toContain('devices: Laptop Lenovo (serial PF-12345)');
    expect(text.stdout).toMatch(/1\. Siti Head \(O1, head\) — since .* WIB \(\+07:00\)/);
    const json = pintuJson<{ count: { total: number }; visitors: Array<Record<string, unknown>>; officers: Array<Record<string, unknown>> }>(d.tc.file, ['muster']);
    expect(json.count.total).toBe(2);
    expect(json.visitors).toEqual([expect.objectContaining({
      visit, name: 'Dewi Lestari', org: 'PT Contoh', badge: 'TAMU-01', escort: { id: 'O1', name: 'Siti Head' },
      devices: [{ description: 'Laptop Lenovo', serial: 'PF-12345' }], since: expect.stringMatching(/Z$/),
    })]);
    expect(json.officers).toEqual([expect.objectContaining({ id: 'O1', name: 'Siti Head', role: 'head' })]);
    const html = pintu(d.tc.file, ['muster', '--html']);
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).toContain('@page { size: A4');
    expect(html.stdout).toMatch(new RegExp(`<tr data-visit="${visit}"><td>1</td><td>Dewi Lestari</td><td>PT Contoh</td><td>TAMU-01</td><td>Siti Head</td>`));
    expect(html.stdout).toMatch(/<tr data-officer="O1"><td>1<\/td><td>Siti Head<\/td><td>Kepala bidang<\/td>/);
    for (const out of [text.stdout, JSON.stringify(json), html.stdout]) {
      expect(out).not.toContain(testNik(1));
      expect(out).not.toContain(testNik(1).slice(-6));
    }
  });
});

/**
 * One truth about the wiring: the polarities and pins that hardware/README.md, README.md, the example config and the
 * wiring drawing state are the schema's defaults; their config.txt lines are what `pintu hw test` prints; the alarm
 * they say a cut door-switch cable raises is the one the door's state machine raises; no kernel-dependent sysfs
 * numbers; and the drawing stays well-formed XML.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../../src/config/schema.js';
import { bootConfigLines, relayBootLine } from '../../src/domain/boot-config.js';
import { initialDoorState, stepDoor, type DoorOutput, type DoorTiming } from '../../src/domain/door.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (f: string): string => readFileSync(join(root, f), 'utf8');
const defaults = configSchema.parse({ site: 's', door: { id: 'd' } });
const gpio = defaults.gpio;

/** Unescape the few XML entities the drawing uses. */
const unescape = (t: string): string => t.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
/** The drawing's text, one `<text>` element after the other. */
const svgTexts = (svg: string): string[] => [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => unescape(m[1]!));
/** The example config's comments and values as prose: `#` prefixes gone, lines joined. */
const yamlProse = (yaml: string): string => yaml.split('\n').map((l) => l.replace(/^\s*#\s?/, '').trim()).join('\n');

/** Docs as prose to read statements from: name → text. Paragraphs are separated by blank lines. */
function docs(): Record<string, string> {
  return {
    'hardware/README.md': read('hardware/README.md'),
    'README.md': read('README.md'),
    'config/pintu.example.yaml': yamlProse(read('config/pintu.example.yaml')),
    'hardware/wiring.svg': svgTexts(read('hardware/wiring.svg')).join(' '),
  };
}

/**
 * Minimal well-formedness check of a hand-written SVG: every tag closed in order, attributes quoted, nothing but
 * entities after `&`. Returns the problems found.
 */
function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const body = xml.replace(/<!--[\s\S]*?-->/g, '');
  for (const m of body.matchAll(/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/gi)) problems.push(`bare & at ${m.index}`);
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, close, name, , self] = m;
    if (self) continue;
    if (!close) { stack.push(name!); continue; }
    const open = stack.pop();
    if (open !== name) problems.push(`</${name}> closes <${open ?? 'nothing'}> at ${m.index}`);
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(', ')}`);
  const tags = [...body.matchAll(/<[^>]*>/g)].length;
  const good = [...body.matchAll(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)].length;
  if (tags !== good) problems.push(`${tags - good} malformed tags`);
  return problems;
}

describe('hardware docs agree with the schema and the code', () => {
  it('the drawing is well-formed XML', () => {
    const svg = read('hardware/wiring.svg');
    expect(svg.startsWith('<svg ')).toBe(true);
    expect(xmlProblems(svg)).toEqual([]);
    // The checker catches what it is for.
    expect(xmlProblems('<svg><g><text>a & b</text></svg>').length).toBeGreaterThan(0);
  });

  it('the pin table of hardware/README.md and the example config state the schema defaults', () => {
    const hw = read('hardware/README.md');
    const example = read('config/pintu.example.yaml');
    const rows = [...hw.matchAll(/`((?:indicators\.)?\w+(?:\.supervision)?): \{ pin: (\d+), activeLow: (true|false) \}`/g)]
      .map((m) => ({ key: m[1]!, pin: Number(m[2]), activeLow: m[3] === 'true' }));
    const keys = rows.map((r) => r.key);
    for (const k of ['relay', 'doorSwitch', 'exitButton', 'indicators.green', 'indicators.red', 'indicators.amber', 'indicators.buzzer', 'mains']) expect(keys, k).toContain(k);
    for (const r of rows) {
      if (r.key === 'relay' || r.key === 'doorSwitch' || r.key === 'exitButton') {
        expect({ pin: r.pin, activeLow: r.activeLow }, `hardware/README ${r.key}`).toEqual({ pin: gpio[r.key].pin, activeLow: gpio[r.key].activeLow });
        continue;
      }
      // Optional inputs and outputs have no defaults: the README must say what the example config shows.
      const leaf = r.key.split('.').pop()!;
      const shown = new RegExp(`#\\s+${leaf}: \\{ pin: (\\d+), activeLow: (true|false)`).exec(example);
      if (r.key === 'fireAlarm' || r.key === 'supervision') continue; // the fire lines are checked by fire-input tests
      expect(shown, `${r.key} in the example config`).not.toBeNull();
      expect({ pin: r.pin, activeLow: r.activeLow }, `hardware/README ${r.key} vs the example`).toEqual({ pin: Number(shown![1]), activeLow: shown![2] === 'true' });
    }
  });

  it('every "the default" polarity in the docs and the drawing is the schema default', () => {
    const said: [string, string, boolean][] = [];
    for (const [f, text] of Object.entries(docs())) {
      for (const m of text.matchAll(/`?(relay|doorSwitch|exitButton)\.activeLow: (true|false)`?\)?,?\s+\(?the default/g)) said.push([f, m[1]!, m[2] === 'true']);
      for (const m of text.matchAll(/[Tt]he default,?\s+`(relay|doorSwitch|exitButton)\.activeLow: (true|false)`/g)) said.push([f, m[1]!, m[2] === 'true']);
    }
    expect(said.map(([f, k]) => `${f}:${k}`)).toEqual(expect.arrayContaining(['hardware/README.md:relay', 'hardware/README.md:doorSwitch', 'hardware/wiring.svg:doorSwitch']));
    for (const [f, key, activeLow] of said) expect(activeLow, `${f}: ${key}`).toBe(gpio[key as 'relay'].activeLow);
    // The drawing's notes name the defaults of all three.
    const svg = docs()['hardware/wiring.svg']!;
    const names = { relay: 'relay', 'door switch': 'doorSwitch', 'exit button': 'exitButton' } as const;
    const notes = [...svg.matchAll(/(relay|door switch|exit button) BCM(\d+) \(pin \d+\) activeLow: (true|false)/g)];
    expect(notes.map((m) => m[1])).toEqual(['relay', 'door switch', 'exit button']);
    for (const m of notes) {
      const key = names[m[1] as keyof typeof names];
      expect({ pin: Number(m[2]), activeLow: m[3] === 'true' }, `wiring.svg ${m[1]}`).toEqual({ pin: gpio[key].pin, activeLow: gpio[key].activeLow });
    }
  });

  it('the config.txt block of hardware/README.md is what pintu hw test prints for the default wiring, Pi 5 included', () => {
    const hw = read('hardware/README.md');
    const block = /```ini\n([\s\S]*?)```/.exec(hw)?.[1]?.trimEnd().split('\n');
    expect(block).toEqual(bootConfigLines(gpio, { uart: true }));
    for (const [f, text] of Object.entries(docs())) {
      if (f === 'config/pintu.example.yaml') continue;
      expect(text, f).toContain('dtparam=uart0=on');
      expect(text, f).toContain('[pi5]');
    }
  });

  it('each relay config.txt line in the docs goes with the polarity stated next to it', () => {
    let seen = 0;
    for (const [f, text] of Object.entries(docs())) {
      for (const sentence of text.split(/(?<=[.;])\s+|\n\s*\n/)) {
        const markers = [
          ...[...sentence.matchAll(/activeLow: (true|false)/g)].map((m) => ({ at: m.index, activeLow: m[1] === 'true' })),
          ...[...sentence.matchAll(/\b([HL])[- ]trigger/g)].map((m) => ({ at: m.index, activeLow: m[1] === 'L' })),
        ];
        for (const m of sentence.matchAll(/gpio=(\d+)=op,(dl|dh)/g)) {
          seen += 1;
          const nearest = markers.sort((a, b) => Math.abs(a.at - m.index) - Math.abs(b.at - m.index))[0];
          expect(nearest, `${f}: no polarity stated next to ${m[0]}: "${sentence}"`).toBeDefined();
          expect(m[0], `${f}: "${sentence}"`).toBe(relayBootLine({ pin: Number(m[1]), activeLow: nearest!.activeLow }));
        }
      }
    }
    expect(seen).toBeGreaterThanOrEqual(8);
  });

  it('the alarm the docs say a cut door-switch cable raises is the one the door raises', () => {
    const timing: DoorTiming = { strikeSeconds: defaults.door.strikeSeconds, heldOpenSeconds: defaults.door.heldOpenSeconds };
    const alarms = (outs: DoorOutput[]): string[] => outs.flatMap((o) => (o.kind === 'event' && /^door\.(forced|held)$/.test(o.event.type) ? [o.event.type] : []));
    // With the default polarity a cut cable reads "open": the door opens with no grant or exit-button window.
    const cut = stepDoor(initialDoorState(0, false), { type: 'door', open: true, now: 1000 }, timing);
    const later = stepDoor(cut.state, { type: 'tick', now: 1000 + timing.heldOpenSeconds * 1000 }, timing);
    const raised = [...alarms(cut.outputs), ...alarms(later.outputs)];
    expect(raised).toEqual(['door.forced', 'door.held']);
    // A cable already cut at start reads open from the start: no forced, held after heldOpenSeconds.
    const atStart = stepDoor(initialDoorState(0, true), { type: 'tick', now: timing.heldOpenSeconds * 1000 }, timing);
    expect(alarms(atStart.outputs)).toEqual(['door.held']);

    let checked = 0;
    for (const [f, text] of Object.entries(docs())) {
      for (const para of text.split(/\n\s*\n/)) {
        if (!/\bcut\b/i.test(para) || !/door[- ]switch|door contact|doorSwitch|door position|door open|reads "open"/i.test(para)) continue;
        const named = [...new Set([...para.matchAll(/door\.(forced|held)\b/g)].map((m) => m[0]))];
        if (!named.length) continue;
        checked += 1;
        expect(named, `${f}: ${para.slice(0, 160)}`).toEqual(raised.slice(0, named.length));
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3); // hardware/README, the example config, the drawing
    expect(read('hardware/README.md')).toMatch(/already cut when pintu starts[^)]*no `door\.forced`[^)]*`door\.held`/);
  });

  it('the docs print no kernel-dependent sysfs GPIO numbers (the chip is found by label)', () => {
    const files = ['README.md', 'hardware/README.md', 'config/pintu.example.yaml', 'docs/maintenance.md', 'docs/clock.md', 'udev/99-pintu.rules'];
    const texts = [...files.map((f) => [f, read(f)] as const), ['hardware/wiring.svg', svgTexts(read('hardware/wiring.svg')).join('\n')] as const];
    for (const [f, text] of texts) {
      for (const line of text.split('\n')) {
        if (!/sysfs|chipBase|gpiochip|\/sys\/class\/gpio|BCM ?\d+ is/i.test(line)) continue;
        expect(line, f).not.toMatch(/\b[4-9]\d\d\b/);
      }
      expect(text, f).not.toMatch(/\b\d{3} on a Pi [3-5]\b/);
    }
  });
});

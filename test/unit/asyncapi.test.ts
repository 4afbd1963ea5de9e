/**
 * docs/asyncapi.yaml matches what is sent: real payloads built by the code have exactly the documented
 * properties (required present, nothing undocumented, JSON types as declared); and every event payload it documents is
 * the event catalogue's (src/domain/events.ts), type for type, both ways.
 */
import { readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { signBody } from '../../src/protocol/signing.js';
import { buildCommand, wireArgs } from '../../src/central/commands.js';
import { sealKeyToText } from '../../src/protocol/sealing.js';
import type { StatusMessage } from '../../src/protocol/messages.js';
import { publicKeyToText } from '../../src/protocol/signing.js';
import { EVENT_TYPES, clockMarksJsonSchema, eventJsonSchema } from '../../src/domain/events.js';

type Schema = { type?: string; required?: string[]; properties?: Record<string, Schema>; items?: Schema; $ref?: string; enum?: unknown[] };
const doc = parse(readFileSync(new URL('../../docs/asyncapi.yaml', import.meta.url), 'utf8')) as { components: { schemas: Record<string, Schema> } };
const resolve = (s: Schema): Schema => (s.$ref ? doc.components.schemas[s.$ref.split('/').pop()!]! : s);

function problems(value: unknown, s0: Schema, path = '$'): string[] {
  const s = resolve(s0);
  const t = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (s.type && !(s.type === t || (s.type === 'number' && t === 'integer'))) return [`${path}: ${t} is not ${s.type}`];
  if (s.enum && !s.enum.includes(value)) return [`${path}: ${String(value)} not in enum`];
  const out: string[] = [];
  if (s.type === 'object' && s.properties) {
    const o = value as Record<string, unknown>;
    for (const r of s.required ?? []) if (!(r in o)) out.push(`${path}.${r}: missing`);
    for (const [k, v] of Object.entries(o)) out.push(...(s.properties[k] ? problems(v, s.properties[k]!, `${path}.${k}`) : [`${path}.${k}: not documented`]));
  }
  if (s.type === 'array' && s.items) (value as unknown[]).forEach((v, i) => out.push(...problems(v, s.items!, `${path}[${i}]`)));
  return out;
}

describe('docs/asyncapi.yaml', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const key = { privateKey, publicKey, publicKeyText: publicKeyToText(publicKey) };
  const sealText = sealKeyToText(generateKeyPairSync('x25519').publicKey);
  const at = new Date().toISOString();
  const h = 'a'.repeat(64);
  const cases: [string, unknown][] = [
    ['Status', signBody(privateKey, 'status', 's', 'd', { state: 'online', at, lastSeq: 3, backlog: 1 })],
    ['Status', signBody(privateKey, 'status', 's', 'd', { state: 'offline', at })],
    ['Status', signBody(privateKey, 'status', 's', 'd', {
      state: 'online', at, lastSeq: 3, backlog: 0, app: '0.1.0', os: 'Raspberry Pi 4 Model B Rev 1.4; Debian GNU/Linux 13 (trixie); Linux 6.12.47', clock: 'rolled-back',
      readers: [{ id: 'in', role: 'in', up: true }, { id: 'out', role: 'out', up: false }], health: { state: 'failed', failing: ['disk', 'reader:out'] },
    } satisfies Omit<StatusMessage, 'sig'>)],
    ['Events', signBody(privateKey, 'events', 's', 'd', { v: 1, events: [{ seq: 1, type: 'access.granted', at, data: { reader: 'in' }, prevHash: h, hash: h }] })],
    ['Ack', signBody(privateKey, 'ack', 's', 'd', { upTo: 7, hash: h })],
    ['Command', buildCommand(key, 's', 'd', 1, 'approve', { visit: 'V-1', by: 'O1' }, 60)],
    // Issue 14: a sealed pre-registration, and the door's sealing key in its status.
    ['Command', buildCommand(key, 's', 'd', 2, 'preregister', wireArgs('s', 'd', 'abcdefgh12', 'preregister', { name: 'Budi', nik: '3201012501900003', org: 'PT X', purpose: 'x', by: 'O1' }, sealText), 60, Date.now(), 'abcdefgh12')],
    ['Status', signBody(privateKey, 'status', 's', 'd', { state: 'online', at, lastSeq: 3, backlog: 0, sealKey: sealText })],
    ['Reply', signBody(privateKey, 'replies', 's', 'd', { v: 1 as const, id: 'abcdefgh', ok: false, rejected: 'bad-seal' as const, at })],
    ['Reply', signBody(privateKey, 'replies', 's', 'd', { v: 1 as const, id: 'abcdefgh', ok: false, rejected: 'replay' as const, at })],
    ['Reply', signBody(privateKey, 'replies', 's', 'd', { v: 1 as const, id: 'abcdefgh', ok: true, action: 'approve', visit: 'V-1', state: 'approved', at })],
  ];
  it.each(cases)('a real %s payload matches its schema', (name, payload) => {
    expect(problems(payload, doc.components.schemas[name]!)).toEqual([]);
  });
});

describe('docs/asyncapi.yaml and the event catalogue', () => {
  const regenerate = 'regenerate the document from the catalogue: npm run build && node scripts/asyncapi-events.mjs';
  const documented = Object.keys(doc.components.schemas).filter((k) => /^[a-z]+\.[a-z_]+$/.test(k));

  it('documents every event type of the catalogue, and no event type the catalogue lacks', () => {
    expect([...documented].sort(), regenerate).toEqual([...EVENT_TYPES].sort());
  });

  it.each(EVENT_TYPES)('documents the payload of %s exactly as the catalogue defines it', (type) => {
    expect(doc.components.schemas[type], regenerate).toEqual(eventJsonSchema(type));
  });

  it('documents the clock marks the log adds to event data exactly as the catalogue defines them', () => {
    expect(doc.components.schemas.ClockMarks, regenerate).toEqual(clockMarksJsonSchema());
  });
});

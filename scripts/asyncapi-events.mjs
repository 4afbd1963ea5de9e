#!/usr/bin/env node
// Writes the event payload schemas of docs/asyncapi.yaml (between its BEGIN/END event payloads lines) from the event
// catalogue, src/domain/events.ts. Run after `npm run build`: node scripts/asyncapi-events.mjs
// test/unit/asyncapi.test.ts fails while the document and the catalogue differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { EVENT_TYPES, clockMarksJsonSchema, eventJsonSchema } from '../dist/src/domain/events.js';

const file = new URL('../docs/asyncapi.yaml', import.meta.url);
const BEGIN = '    # BEGIN event payloads';
const END = '    # END event payloads';
const flow = (v) => stringify(v, { collectionStyle: 'flow', lineWidth: 0 }).trim();

const lines = [];
for (const [name, schema] of [['ClockMarks', clockMarksJsonSchema()], ...EVENT_TYPES.map((type) => [type, eventJsonSchema(type)])]) {
  const { description, type: t, required, properties, ...rest } = schema;
  lines.push(`    ${name}:`, `      description: ${flow(description)}`, `      type: ${t}`);
  if (required) lines.push(`      required: ${flow(required)}`);
  lines.push('      properties:' + (Object.keys(properties).length ? '' : ' {}'));
  for (const [k, v] of Object.entries(properties)) lines.push(`        ${k}: ${flow(v)}`);
  for (const [k, v] of Object.entries(rest)) lines.push(`      ${k}: ${flow(v)}`);
}
const text = readFileSync(file, 'utf8');
const a = text.indexOf(BEGIN);
const b = text.indexOf(END);
if (a < 0 || b < a) throw new Error(`docs/asyncapi.yaml has no "${BEGIN.trim()}" ... "${END.trim()}" section`);
const head = text.slice(0, text.indexOf('\n', a) + 1);
writeFileSync(file, `${head}${lines.join('\n')}\n${text.slice(b)}`);
console.log(`docs/asyncapi.yaml: ClockMarks and ${EVENT_TYPES.length} event payloads written`);

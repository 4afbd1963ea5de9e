/**
 * The canonical JSON of a signed message body: keys sorted at every level, so a signature does not depend on how a
 * sender or a receiver happens to order a message's keys. Used for signatures only, never for the event hash chain
 * (see chain.ts for the chain's own text rule and why it is not this one).
 */

/** JSON with object keys sorted at every level (the form that is signed). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

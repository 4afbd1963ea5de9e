/**
 * Reading an events message at the centre without writing its data again: each event's data text (the chain's text
 * rule, `eventDataText` in protocol/chain.ts: `JSON.stringify(data)`) is the JSON text received when that text
 * already is what `JSON.stringify` writes (the door's stored form: compact, keys in order, no escapes it would not
 * use, numbers as JavaScript prints them). Otherwise, and only then, the parsed data is stringified, so the text
 * hashed and stored is always exactly `eventDataText(data)`, the text the door hashed.
 */
import { eventDataText } from '../protocol/chain.js';
import { eventsMessageSchema, MAX_EVENTS_BYTES, type EventsMessage, type WireEvent } from '../protocol/messages.js';

/** A wire event with its data text (`eventDataText(data)`), hashed and stored as it is. */
export interface CheckedEvent extends WireEvent {
  /** `eventDataText(data)`, taken from the bytes received where they are in that form. */
  dataJson: string;
}

/** Why a payload was refused, or the message with its events' data texts. */
export type ParsedEvents = { ok: true; msg: EventsMessage; events: CheckedEvent[] } | { ok: false; why: string };


const INDEX_KEY = /^(0|[1-9]\d*)$/;

/** One pass over JSON text known to be valid (JSON.parse accepted it). */
class Scanner {
  /** Position. */
  i = 0;
  /** Cleared on anything JSON.stringify would write differently. */
  canonical = true;
  /** Position of the next backslash at or after the last search (-1: none left, -2: not searched yet). */
  private bs = -2;
  constructor(private readonly s: string) {}

  /** The character code at the position. */
  s0(): number {
    return this.s.charCodeAt(this.i);
  }

  ws(): void {
    for (;;) {
      const c = this.s.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.i += 1;
      this.canonical = false;
    }
  }

  /** Skip the string at i (its opening quote); returns its end (after the closing quote). */
  str(): number {
    const start = this.i;
    let j = start + 1;
    for (;;) {
      const q = this.s.indexOf('"', j);
      if (this.bs !== -1 && this.bs < j) this.bs = this.s.indexOf('\\', j);
      if (this.bs !== -1 && this.bs < q) { this.canonical = false; j = this.bs + 2; continue; }
      this.i = q + 1;
      return this.i;
    }
  }

  /** Skip one value; inside an object at this level, `field(key)` is called at each value and returns true if it read it. */
  value(field?: (key: string) => boolean): void {
    this.ws();
    const c = this.s.charCodeAt(this.i);
    if (c === 0x22) { this.str(); return; }
    if (c === 0x7b) {
      this.i += 1;
      this.ws();
      if (this.s.charCodeAt(this.i) === 0x7d) { this.i += 1; return; }
      const keys: string[] = [];
      for (;;) {
        this.ws();
        const k0 = this.i;
        const wasCanonical = this.canonical;
        this.canonical = true;
        const k1 = this.str();
        const key = this.canonical ? this.s.slice(k0 + 1, k1 - 1) : (JSON.parse(this.s.slice(k0, k1)) as string);
        this.canonical = wasCanonical && this.canonical;
        // Repeated keys collapse and index-like keys move first in JSON.parse's object: not what was received.
        if (keys.includes(key) || (key.charCodeAt(0) <= 0x39 && INDEX_KEY.test(key))) this.canonical = false;
        keys.push(key);
        this.ws();
        this.i += 1; // :
        this.ws();
        if (!field?.(key)) this.value();
        this.ws();
        if (this.s.charCodeAt(this.i++) === 0x7d) return;
      }
    }
    if (c === 0x5b) { this.array(() => this.value()); return; }
    const start = this.i;
    for (;;) {
      const ch = this.s.charCodeAt(this.i);
      if (ch === 0x2c || ch === 0x7d || ch === 0x5d || ch === 0x20 || ch === 0x0a || ch === 0x0d || ch === 0x09 || Number.isNaN(ch)) break;
      this.i += 1;
    }
    if (c === 0x74 || c === 0x66 || c === 0x6e) return; // true, false, null
    const tok = this.s.slice(start, this.i);
    // Small integers are written as JSON.stringify writes them unless they start with 0 or -0; others are checked.
    if (this.i - start < 10 && c >= 0x31 && c <= 0x39 && !/[.eE]/.test(tok)) return;
    if (String(Number(tok)) !== tok) this.canonical = false;
  }

  /** At an array: `each()` reads each element. */
  array(each: () => void): void {
    this.ws();
    this.i += 1;
    this.ws();
    if (this.s.charCodeAt(this.i) === 0x5d) { this.i += 1; return; }
    for (;;) {
      this.ws();
      each();
      this.ws();
      if (this.s.charCodeAt(this.i++) === 0x5d) return;
    }
  }
}

/** In one pass: the text of `data` of each element of the top-level `events` array (null where not in stringify's form). */
function dataSpans(text: string): (string | null)[] | null {
  const sc = new Scanner(text);
  let spans: (string | null)[] | null = null;
  sc.value((key) => {
    if (key !== 'events' || sc.s0() !== 0x5b) return false;
    const out: (string | null)[] = [];
    spans = out; // a repeated key: JSON.parse keeps the last
    sc.array(() => {
      let data: string | null = null;
      sc.value((k) => {
        if (k !== 'data') return false;
        const start = sc.i;
        const was = sc.canonical;
        sc.canonical = true;
        sc.value();
        data = sc.canonical ? text.slice(start, sc.i) : null;
        sc.canonical = was;
        return true;
      });
      out.push(data);
    });
    return true;
  });
  return spans;
}

/**
 * Parse and check an events message (size, JSON, schema). Each event gets `dataJson`: the received text of its
 * data where that is already `eventDataText(data)`, else `eventDataText(data)` itself.
 */
export function parseEvents(payload: Buffer): ParsedEvents {
  if (payload.length > MAX_EVENTS_BYTES) return { ok: false, why: `events message of ${payload.length} bytes refused` };
  const text = payload.toString('utf8');
  let raw: unknown;
  try { raw = JSON.parse(text); } catch { return { ok: false, why: 'events message does not match the schema' }; }
  const r = eventsMessageSchema.safeParse(raw);
  if (!r.success) return { ok: false, why: 'events message does not match the schema' };
  const spans = dataSpans(text);
  const same = spans !== null && spans.length === r.data.events.length;
  const events = r.data.events.map((e, i): CheckedEvent => ({ ...e, dataJson: (same ? spans[i] : null) ?? eventDataText(e.data) }));
  return { ok: true, msg: r.data, events };
}

/**
 * Signing of the central-office link. Every message carries `sig`, an Ed25519 signature by its sender over
 * `pintu/v1/{kind}\n{site}\n{door}\n{canonical JSON of the signed body}`; the broker is not trusted with integrity.
 * For events only their (seq, hash) pairs are signed: each hash already covers its event (chain.ts), and the
 * receiver recomputes it. Public keys travel as 32 raw bytes in base64 (easy to paste for enrolment); PEM public
 * keys are accepted too. Loading and storing private keys is the adapters' job (adapters/mqtt/keys.ts).
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { EventsBody } from './messages.js';
import type { TopicKind } from './topics.js';

/** Base64 of the 32 raw bytes of an Ed25519 public key. */
export function publicKeyToText(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (!jwk.x) throw new Error('not an Ed25519 public key');
  return Buffer.from(jwk.x, 'base64url').toString('base64');
}

/** Parse a public key given as base64 raw bytes (32) or as PEM; throws with a readable message. */
export function publicKeyFromText(text: string): KeyObject {
  const t = text.trim();
  if (t.startsWith('-----BEGIN')) {
    const k = createPublicKey(t);
    if (k.asymmetricKeyType !== 'ed25519') throw new Error('public key is not Ed25519');
    return k;
  }
  const raw = Buffer.from(t, 'base64');
  if (raw.length !== 32 || raw.toString('base64').replace(/=+$/, '') !== t.replace(/=+$/, '')) {
    throw new Error('public key must be the 32-byte Ed25519 key in base64 (as printed by `keys show`) or a PEM block');
  }
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** Sign a text with an Ed25519 private key; base64 signature. */
export function signText(key: KeyObject, text: string): string {
  return sign(null, Buffer.from(text, 'utf8'), key).toString('base64');
}

/** Check an Ed25519 signature (base64) over a text; false for any malformed input. */
export function verifyText(key: KeyObject, text: string, signature: unknown): boolean {
  if (typeof signature !== 'string' || signature.length > 200) return false;
  try {
    const sig = Buffer.from(signature, 'base64');
    return sig.length === 64 && verify(null, Buffer.from(text, 'utf8'), key, sig);
  } catch {
    return false;
  }
}

/** The text a sender signs for one message. */
export function signingText(kind: TopicKind, site: string, door: string, body: unknown): string {
  return `pintu/v1/${kind}\n${site}\n${door}\n${canonicalJson(body)}`;
}

/** The signature of an events message over its (seq, hash) pairs (what `signBody` signs for kind `events`). */
export function signEvents(key: KeyObject, site: string, door: string, pairs: readonly (readonly [number, string])[]): string {
  return signText(key, signingText('events', site, door, { v: 1, events: pairs }));
}

/** Sign a body: returns the body with `sig` added. */
export function signBody<T extends object>(key: KeyObject, kind: TopicKind, site: string, door: string, body: T): T & { sig: string } {
  return { ...body, sig: signText(key, signingText(kind, site, door, kind === 'events' ? eventsSigned(body as unknown as EventsBody) : body)) };
}

/** Check a signed message's `sig` over the rest of it. */
export function verifyBody(key: KeyObject, kind: TopicKind, site: string, door: string, msg: { sig?: unknown } & object): boolean {
  const { sig, ...body } = msg as { sig?: unknown } & Record<string, unknown>;
  return verifyText(key, signingText(kind, site, door, kind === 'events' ? eventsSigned(body as unknown as EventsBody) : body), sig);
}

/** For events only (seq, hash) pairs are signed: each hash already covers the event (recomputed by the receiver). */
function eventsSigned(body: EventsBody): unknown {
  return { v: body.v, events: body.events.map((e) => [e.seq, e.hash]) };
}

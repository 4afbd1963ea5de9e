import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Em4100Parser, encodeEm4100Frame, em4100Checksum } from '../../src/adapters/serial/em4100.js';

const STX = 0x02;
const ETX = 0x03;

/** Frame with an arbitrary (possibly wrong) checksum text. */
function rawFrame(body: string): Buffer {
  return Buffer.concat([Buffer.from([STX]), Buffer.from(body, 'ascii'), Buffer.from([ETX])]);
}

/** Reference oracle: every STX + 12 hex + ETX with a correct checksum, in order. */
function oracle(stream: Uint8Array): string[] {
  const text = Buffer.from(stream).toString('latin1');
  const out: string[] = [];
  for (const m of text.matchAll(/\x02([0-9A-Fa-f]{10})([0-9A-Fa-f]{2})\x03/g)) {
    const uid = m[1]!.toUpperCase();
    if (em4100Checksum(uid) === parseInt(m[2]!, 16)) out.push(uid);
  }
  return out;
}

/** Cut `buf` at the given (sorted, deduplicated) offsets. */
function cut(buf: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (buf.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    parts.push(buf.subarray(prev, p));
    prev = p;
  }
  parts.push(buf.subarray(prev));
  return parts;
}

function feed(parser: Em4100Parser, parts: Uint8Array[]): string[] {
  return parts.flatMap((p) => parser.push(p));
}

const uidArb = fc.uint8Array({ minLength: 5, maxLength: 5 }).map((b) => Buffer.from(b).toString('hex').toUpperCase());

describe('encodeEm4100Frame', () => {
  it('builds STX, 10 data chars, XOR checksum, ETX', () => {
    const f = encodeEm4100Frame('0123456789');
    expect(f.length).toBe(14);
    expect(f[0]).toBe(STX);
    expect(f[13]).toBe(ETX);
    expect(f.subarray(1, 11).toString('ascii')).toBe('0123456789');
    expect(parseInt(f.subarray(11, 13).toString('ascii'), 16)).toBe(0x01 ^ 0x23 ^ 0x45 ^ 0x67 ^ 0x89);
  });

  it('upper-cases and rejects anything but 10 hex chars', () => {
    expect(encodeEm4100Frame('0a1b2c3d4e').subarray(1, 11).toString()).toBe('0A1B2C3D4E');
    expect(() => encodeEm4100Frame('0A1B2C3D4')).toThrow(/10 hex/);
    expect(() => encodeEm4100Frame('0A1B2C3D4G')).toThrow(/10 hex/);
  });
});

describe('Em4100Parser: examples', () => {
  it('parses a frame in one chunk', () => {
    const p = new Em4100Parser();
    expect(p.push(encodeEm4100Frame('0A1B2C3D4E'))).toEqual(['0A1B2C3D4E']);
    expect(p.rejected).toBe(0);
    expect(p.accepted).toBe(1);
  });

  it('accepts lower-case hex and outputs upper case', () => {
    const uid = '0a1b2c3d4e';
    const cs = em4100Checksum(uid).toString(16).padStart(2, '0');
    expect(new Em4100Parser().push(rawFrame(uid + cs))).toEqual(['0A1B2C3D4E']);
  });

  it('parses a frame delivered one byte at a time', () => {
    const p = new Em4100Parser();
    const out = [...encodeEm4100Frame('FFFFFFFFFF')].flatMap((b) => p.push(Buffer.from([b])));
    expect(out).toEqual(['FFFFFFFFFF']);
  });

  it('tolerates CR/LF after ETX without counting them', () => {
    const p = new Em4100Parser();
    const f = encodeEm4100Frame('1234567890');
    const out = p.push(Buffer.concat([f, Buffer.from('\r\n'), f, Buffer.from('\n')]));
    expect(out).toEqual(['1234567890', '1234567890']);
    expect(p.rejected).toBe(0);
  });

  it('rejects and counts a bad checksum', () => {
    const p = new Em4100Parser();
    const good = encodeEm4100Frame('0A1B2C3D4E');
    const bad = Buffer.from(good);
    bad[12] = bad[12] === 0x30 ? 0x31 : 0x30;
    expect(p.push(bad)).toEqual([]);
    expect(p.rejected).toBe(1);
    expect(p.push(good)).toEqual(['0A1B2C3D4E']);
  });

  it('restarts at an STX in the middle of a frame', () => {
    const p = new Em4100Parser();
    const f = encodeEm4100Frame('0A1B2C3D4E');
    const out = p.push(Buffer.concat([f.subarray(0, 7), f]));
    expect(out).toEqual(['0A1B2C3D4E']);
    expect(p.rejected).toBe(1);
  });

  it('rejects short, over-long and non-hex frames, then recovers', () => {
    const p = new Em4100Parser();
    const f = encodeEm4100Frame('0A1B2C3D4E');
    const body = f.subarray(1, 13).toString('ascii');
    expect(p.push(rawFrame(body.slice(0, 11)))).toEqual([]); // short
    expect(p.push(rawFrame(body + '0'))).toEqual([]); // long
    expect(p.push(rawFrame('0A1B2C3D4X' + body.slice(10)))).toEqual([]); // non-hex
    expect(p.rejected).toBe(3);
    expect(p.push(f)).toEqual(['0A1B2C3D4E']);
  });

  it('does not read a frame whose 10 data chars are followed by 2 more (RDM6300 with extra bytes)', () => {
    // Over-long content must never be truncated into a UID.
    const p = new Em4100Parser();
    const f = encodeEm4100Frame('0A1B2C3D4E');
    expect(p.push(Buffer.concat([f.subarray(0, 13), Buffer.from('00'), f.subarray(13)]))).toEqual([]);
  });

  it('counts a run of garbage once and recovers at the next STX', () => {
    const p = new Em4100Parser();
    expect(p.push(Buffer.from('hello world \x00\xff'))).toEqual([]);
    expect(p.push(Buffer.from('more'))).toEqual([]);
    expect(p.rejected).toBe(1);
    expect(p.push(encodeEm4100Frame('DEADBEEF00'))).toEqual(['DEADBEEF00']);
  });

  it('drops a frame whose bytes are further apart than the inter-byte timeout', () => {
    const p = new Em4100Parser({ interByteTimeoutMs: 100 });
    const a = encodeEm4100Frame('0A1B2C3D4E');
    expect(p.push(a.subarray(0, 7), 1000)).toEqual([]);
    expect(p.push(a.subarray(7), 1200)).toEqual([]);
    expect(p.rejected).toBe(1);
    // Within the timeout a split frame is fine.
    expect(p.push(a.subarray(0, 7), 2000)).toEqual([]);
    expect(p.push(a.subarray(7), 2050)).toEqual(['0A1B2C3D4E']);
  });

  it('reset() drops a partial frame but keeps the counters', () => {
    const p = new Em4100Parser();
    const f = encodeEm4100Frame('0A1B2C3D4E');
    p.push(encodeEm4100Frame('0000000000'));
    p.push(f.subarray(0, 5));
    expect(p.inFrame).toBe(true);
    p.reset();
    expect(p.inFrame).toBe(false);
    expect(p.push(f.subarray(5))).toEqual([]);
    expect(p.accepted).toBe(1);
  });
});

describe('Em4100Parser: properties', () => {
  // Garbage that cannot start a frame (no STX), so the inserted frames are the only ones in the stream.
  const noStxGarbage = fc.uint8Array({ maxLength: 40 }).map((b) => Uint8Array.from(b, (x) => (x === STX ? 0x00 : x)));

  it('valid frames mixed with garbage and cut anywhere yield exactly their UIDs, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(noStxGarbage, uidArb, fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 8 }),
        noStxGarbage,
        fc.array(fc.nat(), { maxLength: 30 }),
        (items, tail, offsets) => {
          const pieces: Uint8Array[] = [];
          for (const [garbage, uid, lower, crlf] of items) {
            pieces.push(garbage);
            const frame = encodeEm4100Frame(uid);
            pieces.push(lower ? Buffer.from(frame.toString('latin1').toLowerCase(), 'latin1') : frame);
            if (crlf) pieces.push(Buffer.from('\r\n'));
          }
          pieces.push(tail);
          const stream = Buffer.concat(pieces);
          const out = feed(new Em4100Parser(), cut(stream, offsets));
          expect(out).toEqual(items.map(([, uid]) => uid));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('valid frames survive any garbage before them, even garbage with STX and hex', () => {
    const hexy = fc.array(fc.constantFrom(STX, ETX, 0x30, 0x41, 0x61, 0x39, 0x46, 0x0d, 0x0a, 0xff), { maxLength: 30 });
    fc.assert(
      fc.property(fc.array(fc.tuple(hexy, uidArb), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 20 }), (items, offsets) => {
        const stream = Buffer.concat(items.flatMap(([g, uid]) => [Buffer.from(g), encodeEm4100Frame(uid)]));
        const out = feed(new Em4100Parser(), cut(stream, offsets));
        // Exactly the oracle's frames; the inserted frames are always among them, in order.
        expect(out).toEqual(oracle(stream));
        const inserted = items.map(([, uid]) => uid);
        let i = 0;
        for (const u of out) if (u === inserted[i]) i++;
        expect(i).toBe(inserted.length);
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary byte streams never yield a UID that is not a valid frame present in the stream', () => {
    // Bias the alphabet towards frame bytes so that near-frames are common.
    const byte = fc.oneof(
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom(STX, ETX, 0x0d, 0x0a),
      fc.constantFrom(...Buffer.from('0123456789ABCDEFabcdef')),
    );
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 300 }), fc.array(fc.nat(), { maxLength: 30 }), (bytes, offsets) => {
        const stream = Buffer.from(bytes);
        const out = feed(new Em4100Parser(), cut(stream, offsets));
        expect(out).toEqual(oracle(stream));
      }),
      { numRuns: 1000 },
    );
  });

  it('streams built from valid and corrupted frames yield exactly the oracle frames', () => {
    const piece = fc.oneof(
      uidArb.map((u) => encodeEm4100Frame(u)),
      fc.tuple(uidArb, fc.nat(13), fc.integer({ min: 0, max: 255 })).map(([u, i, b]) => {
        const f = Buffer.from(encodeEm4100Frame(u));
        f[i] = b;
        return f;
      }),
      fc.tuple(uidArb, fc.nat(13)).map(([u, n]) => encodeEm4100Frame(u).subarray(0, n)),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 30 }), (pieces, offsets) => {
        const stream = Buffer.concat(pieces);
        expect(feed(new Em4100Parser(), cut(stream, offsets))).toEqual(oracle(stream));
      }),
      { numRuns: 500 },
    );
  });

  it('a single-bit corruption of a frame is never accepted as a different UID', () => {
    fc.assert(
      fc.property(uidArb, fc.nat(14 * 8 - 1), fc.boolean(), (uid, bit, lower) => {
        const frame = Buffer.from(encodeEm4100Frame(lower ? uid.toLowerCase() : uid));
        if (lower) frame.write(frame.subarray(1, 13).toString('latin1').toLowerCase(), 1, 'latin1');
        frame[bit >> 3] = (frame[bit >> 3] as number) ^ (1 << (bit & 7));
        const p = new Em4100Parser();
        const out = p.push(frame);
        for (const u of out) expect(u).toBe(uid);
        if (out.length === 0) expect(p.rejected).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('exhaustively: every single-bit flip of one frame is rejected or reads the same UID', () => {
    const uid = '0A1B2C3D4E';
    const frame = encodeEm4100Frame(uid);
    let sameUid = 0;
    for (let bit = 0; bit < frame.length * 8; bit++) {
      const f = Buffer.from(frame);
      f[bit >> 3] = (f[bit >> 3] as number) ^ (1 << (bit & 7));
      const out = new Em4100Parser().push(f);
      for (const u of out) expect(u).toBe(uid);
      sameUid += out.length;
    }
    // Only case flips (bit 5 of a letter A-F, in the data or the checksum) keep the frame valid.
    const letters = [...frame.subarray(1, 13).toString('ascii')].filter((c) => /[A-F]/.test(c)).length;
    expect(sameUid).toBe(letters);
  });
});

import fc from 'fast-check';
import { legalLog } from '../../testing/generator/legalLog.js';

/** How a log's bytes were damaged. */
export const corruptionKinds = [
  'random-bytes',
  'truncated',
  'huge-number',
  'deep-nesting',
  'proto-keys',
  'invalid-utf8',
  'garbage-line',
] as const;

/** A log's bytes after one kind of damage. */
export interface CorruptedLog {
  kind: (typeof corruptionKinds)[number];
  bytes: Uint8Array;
}

const encoder = new TextEncoder();

const HUGE = ['1e400', '-1e400', '18446744073709551617', '1e-400', '-0', '9007199254740993', '1.5'];
const BAD_UTF8 = [
  [0xff],
  [0xc3],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
];
const PROTO_LINES = [
  (seq: number) =>
    `{"seq":${seq},"id":"p${seq}","type":"hostages.counted","at":"2024-01-01T00:00:00Z","data":{"held":{"__proto__":{"polluted":1}}}}`,
  (seq: number) =>
    `{"seq":${seq},"id":"p${seq}","type":"aid.delivered","at":"2024-01-01T00:00:00Z","data":{"region":"__proto__","trucks":1},"__proto__":{"polluted":1}}`,
  (seq: number) =>
    `{"seq":${seq},"id":"p${seq}","type":"aid.delivered","at":"2024-01-01T00:00:00Z","data":{"region":"constructor","trucks":1,"constructor":{"prototype":{"polluted":1}}}}`,
  (seq: number) =>
    `{"seq":${seq},"id":"constructor","type":"hostages.counted","at":"2024-01-01T00:00:00Z","data":{"held":{"constructor":3,"toString":1,"hasOwnProperty":2}}}`,
  (seq: number) =>
    `{"__proto__":null,"seq":${seq},"id":"q${seq}","type":"violation.reported","at":"2024-01-01T00:00:00Z","data":{"by":"__proto__","description":"x"}}`,
];

/**
 * A legal log damaged in one way: random bytes spliced in, cut at any byte, a number too big
 * or too precise, JSON nested thousands deep, `__proto__`/`constructor` keys, invalid UTF-8,
 * or a line of garbage. The reader must name a line or accept it, never crash or hang.
 */
export function corruptedLog(): fc.Arbitrary<CorruptedLog> {
  return legalLog({ maxEvents: 8 }).chain((events) => {
    const text = events.map((e) => `${JSON.stringify(e)}\n`).join('');
    const bytes = encoder.encode(text);
    const at = fc.nat({ max: bytes.length });
    const next = events.length + 1;
    const join = (...parts: Uint8Array[]): Uint8Array => {
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let i = 0;
      for (const p of parts) {
        out.set(p, i);
        i += p.length;
      }
      return out;
    };
    return fc.oneof(
      fc.tuple(at, fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([i, noise]) => ({
        kind: 'random-bytes' as const,
        bytes: join(bytes.subarray(0, i), noise, bytes.subarray(i)),
      })),
      at.map((i) => ({ kind: 'truncated' as const, bytes: bytes.subarray(0, i) })),
      fc
        .tuple(fc.constantFrom(...HUGE), fc.constantFrom('seq', 'trucks', 'count'))
        .map(([n, field]) => ({
          kind: 'huge-number' as const,
          bytes: join(
            bytes,
            encoder.encode(
              field === 'seq'
                ? `{"seq":${n},"id":"h","type":"aid.delivered","at":"2024-01-01T00:00:00Z","data":{"region":"n","trucks":1}}\n`
                : `{"seq":${next},"id":"h","type":"aid.delivered","at":"2024-01-01T00:00:00Z","data":{"region":"n","trucks":${n}}}\n`,
            ),
          ),
        })),
      fc.integer({ min: 100, max: 200_000 }).map((depth) => ({
        kind: 'deep-nesting' as const,
        bytes: join(
          bytes,
          encoder.encode(
            `{"seq":${next},"id":"d","type":"aid.delivered","at":"2024-01-01T00:00:00Z","data":{"region":"n","trucks":1,"x":${'['.repeat(depth)}${']'.repeat(depth)}}}\n`,
          ),
        ),
      })),
      fc.constantFrom(...PROTO_LINES).map((line) => ({
        kind: 'proto-keys' as const,
        bytes: join(bytes, encoder.encode(`${line(next)}\n`)),
      })),
      fc.tuple(at, fc.constantFrom(...BAD_UTF8)).map(([i, bad]) => ({
        kind: 'invalid-utf8' as const,
        bytes: join(bytes.subarray(0, i), Uint8Array.from(bad), bytes.subarray(i)),
      })),
      fc.string({ unit: 'binary', maxLength: 200 }).map((s) => ({
        kind: 'garbage-line' as const,
        bytes: join(bytes, encoder.encode(`${s.replace(/\n/g, ' ')}\n`)),
      })),
    );
  });
}

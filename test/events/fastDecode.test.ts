import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fastDecoderOf } from '../../events/decode.js';
import { compileFastDecode, NOT_SURE } from '../../events/fastDecode.js';
import {
  decodeEvent,
  Envelope,
  type EventType,
  eventDataSchemas,
  eventTypes,
  isEventType,
  type TruceEvent,
} from '../../events/index.js';
import { legalLog } from '../../testing/generator/legalLog.js';
import { ceasefireLog } from '../arbitraries/ceasefireLog.js';
import { changeValue } from '../arbitraries/valueChange.js';
import { checkProperty, propertyTimeout } from '../properties/settings.js';

/**
 * The reference: zod alone, the envelope and then the payload, as the decoder's general path
 * does, never the compiled check.
 */
function zodDecode(input: unknown): { ok: true; value: unknown } | { ok: false } {
  const envelope = Envelope.safeParse(input);
  if (!envelope.success || !isEventType(envelope.data.type)) return { ok: false };
  if ((envelope.data.v ?? 1) !== 1) return { ok: false };
  const data = (eventDataSchemas[envelope.data.type] as z.ZodType).safeParse(envelope.data.data);
  if (!data.success) return { ok: false };
  return { ok: true, value: { ...envelope.data, data: data.data } };
}

/** What the compiled decoder of a value's type gives, NOT_SURE when it names none. */
function fastDecode(value: unknown): unknown {
  const type = (value as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !isEventType(type)) return NOT_SURE;
  return fastDecoderOf(type)?.(value) ?? NOT_SURE;
}

/** Names a changed line may gain: the envelope's and the payloads' own, and awkward ones. */
const eventKeys = fc.constantFrom(
  '__proto__',
  'constructor',
  'toString',
  'hostage',
  'count',
  'category',
  'phase',
  'by',
  'seq',
  'data',
  'zz',
);

/** A line of a generated log, parsed back from its JSON. */
const lines = fc
  .oneof(
    legalLog({ maxEvents: 30 }),
    ceasefireLog.map((c) => c.events),
  )
  .chain((events) => fc.constantFrom(...(events.length ? events : [null])))
  .filter((e): e is TruceEvent => e !== null)
  .map((e) => JSON.parse(JSON.stringify(e)) as unknown);

describe('the check compiled from the schemas agrees with zod (fast-check)', {
  timeout: propertyTimeout,
}, () => {
  it('decodes every line of a generated log as zod does, key order included', () => {
    checkProperty(
      'fast-check-passes-legal-lines',
      fc.property(lines, (value) => {
        const reference = zodDecode(value);
        if (!reference.ok) throw new Error('zod refused a generated line');
        const fast = fastDecode(value);
        if (fast === NOT_SURE) throw new Error('the compiled decoder refused a generated line');
        if (JSON.stringify(reference.value) !== JSON.stringify(fast)) {
          throw new Error('the compiled decoder and zod give different lines');
        }
      }),
      (value) => [value as TruceEvent],
    );
  });

  it('on changed lines: what it decodes, zod decodes to the same, key order included; decodeEvent answers as zod does', () => {
    checkProperty(
      'fast-check-agrees-with-zod',
      fc.property(fc.tuple(lines, fc.gen()), ([value, g]) => {
        const changes = g(fc.integer, { min: 1, max: 3 });
        for (let i = 0; i < changes; i++) changeValue(g, value, eventKeys);
        const reference = zodDecode(value);
        const fast = fastDecode(value);
        if (fast !== NOT_SURE) {
          if (!reference.ok) throw new Error('the compiled decoder passed a line zod refuses');
          if (!isDeepStrictEqual(reference.value, fast)) {
            throw new Error('the compiled decoder and zod decode to different values');
          }
          if (JSON.stringify(reference.value) !== JSON.stringify(fast)) {
            throw new Error('the compiled decoder and zod give the fields in different orders');
          }
        }
        const decoded = decodeEvent(value);
        if (decoded.ok !== reference.ok) {
          throw new Error(`decodeEvent says ${decoded.ok}, zod says ${reference.ok}`);
        }
        if (decoded.ok && reference.ok && !isDeepStrictEqual(decoded.value, reference.value)) {
          throw new Error('decodeEvent and zod decode to different values');
        }
      }),
      ([value]) => [value as TruceEvent],
    );
  });
});

describe('what the compiler leaves to zod', () => {
  it('compiles every type of the catalogue', () => {
    const missing = eventTypes.filter((type: EventType) => fastDecoderOf(type) === null);
    expect(missing).toEqual([]);
  });

  it.each([
    ['a union', z.union([z.string(), z.number()])],
    ['a default', z.object({ a: z.string().default('x') })],
    ['a transform', z.string().transform((s) => s.length)],
    ['an email format', z.email()],
    ['a typed catch-all', z.object({ a: z.string() }).catchall(z.number())],
  ] as const)('gives up on %s (null: zod decodes every value)', (_, schema) => {
    expect(compileFastDecode(schema as z.ZodType)).toBeNull();
  });

  it('gives a line back as it is when its fields are in zod order, else in zod order', () => {
    const decode = compileFastDecode(z.looseObject({ a: z.string(), b: z.number() }));
    const inOrder = { a: 'x', b: 1, c: true };
    expect(decode?.(inOrder)).toBe(inOrder);
    expect(JSON.stringify(decode?.({ c: true, b: 1, a: 'x' }))).toBe('{"a":"x","b":1,"c":true}');
    expect(decode?.(JSON.parse('{"a":"x","b":1,"__proto__":{}}'))).toBe(NOT_SURE);
    expect(decode?.({ a: 'x' })).toBe(NOT_SURE);
    expect(compileFastDecode(z.object({ a: z.string() }))?.({ a: 'x', c: 1 })).toBe(NOT_SURE);
  });
});

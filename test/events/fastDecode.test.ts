import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeEventFast, fastDecoderOf, LINES_BEFORE_GENERATED } from '../../events/decode.js';
import {
  compileFastDecode,
  compileGeneratedDecode,
  compileSameCheck,
  NOT_SURE,
  VALUES_BEFORE_GENERATED,
} from '../../events/fastDecode.js';
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
import { changeValue, containers } from '../arbitraries/valueChange.js';
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
        if (!isDeepStrictEqual(decodeEventFast(value), fast)) {
          throw new Error('decodeEventFast does not give what the compiled decoder gives');
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
        // The reader asks decodeEventFast first: where it answers, decodeEvent gives the same.
        const first = decodeEventFast(value);
        if (
          first !== undefined &&
          (!decoded.ok || JSON.stringify(decoded.value) !== JSON.stringify(first))
        ) {
          throw new Error('decodeEventFast answers where decodeEvent gives another answer');
        }
      }),
      ([value]) => [value as TruceEvent],
    );
  });
});

/** The generated check and the decoder alone, per type, of the line schema decodeEvent uses. */
const compiledByType = new Map(
  eventTypes.map((type) => {
    const schema = Envelope.extend({ data: eventDataSchemas[type] as z.ZodType });
    return [
      type,
      {
        same: compileSameCheck(schema),
        decode: compileFastDecode(schema, { generated: false }),
        generated: compileGeneratedDecode(schema),
      },
    ] as const;
  }),
);

/**
 * Why the generated decoder's answer for `line` differs from the closures' (the same value, key
 * order included, and the line itself exactly when the closures give it back), or null.
 */
function generatedDiffers(line: unknown, type: EventType): string | null {
  const { decode, generated } = compiledByType.get(type) ?? {};
  if (!decode || !generated) return 'a type without a generated decoder';
  const [want, got] = [decode(line), generated(line)];
  if ((want === NOT_SURE) !== (got === NOT_SURE)) return `sure: ${got !== NOT_SURE}`;
  if ((want === line) !== (got === line)) return 'a copy where the line itself was due, or back';
  if (!isDeepStrictEqual(want, got)) return 'another value';
  if (JSON.stringify(want) !== JSON.stringify(got)) return 'another key order';
  return null;
}

describe('the check generated as source agrees with the decoder it stands before (fast-check)', {
  timeout: propertyTimeout,
}, () => {
  it('is true on every line of a generated log that the decoder gives back as it is', () => {
    checkProperty(
      'same-check-passes-legal-lines',
      fc.property(lines, (value) => {
        const { same, decode } = compiledByType.get((value as TruceEvent).type) ?? {};
        if (!same || !decode) throw new Error('a type without a generated check');
        if (same(value) !== (decode(value) === value)) {
          throw new Error(`the generated check says ${same(value)} on a generated line`);
        }
      }),
      (value) => [value as TruceEvent],
    );
  });

  it('on changed lines: true only where the decoder gives the line back as it is', () => {
    checkProperty(
      'same-check-agrees-with-decoder',
      fc.property(fc.tuple(lines, fc.gen()), ([value, g]) => {
        const type = (value as TruceEvent).type;
        const changes = g(fc.integer, { min: 1, max: 3 });
        for (let i = 0; i < changes; i++) changeValue(g, value, eventKeys);
        const { same, decode } = compiledByType.get(type) ?? {};
        if (!same || !decode) throw new Error('a type without a generated check');
        if (same(value) && decode(value) !== value) {
          throw new Error('the generated check passed a line the decoder changes or refuses');
        }
        const differs = generatedDiffers(value, type);
        if (differs !== null) throw new Error(`the generated decoder gives ${differs}`);
      }),
      ([value]) => [value as TruceEvent],
    );
  });

  it('on every field of generated lines set in turn to each awkward value, removed, or hidden: true only where the decoder gives the line back as it is', () => {
    const values: unknown[] = [-1, 0, -0, 1.5, 2 ** 53, 1_000_000_001, 1001, '', 'x'.repeat(129)];
    values.push('x'.repeat(65), 'a b', '-lead', '2023-02-29T00:00:00Z', '2024-02-30T00:00:00Z');
    values.push('__proto__', '2024-01-01T25:00:00Z', '2024-01-01T00:00:00', 'principal', true);
    values.push(null, [], {}, [{}]);
    values.push({ women: 1 });
    type Change = (container: Record<string, unknown>, key: string) => void;
    const changes: Array<[string, Change]> = values.map((value) => [
      JSON.stringify(value) ?? String(value),
      (c, k) => {
        c[k] = value;
      },
    ]);
    changes.push(
      ['a field removed', (c, k) => delete c[k]],
      ['a field not enumerable', (c, k) => Object.defineProperty(c, k, { enumerable: false })],
      [
        'a bad field not enumerable',
        (c, k) => Object.defineProperty(c, k, { value: 1.5, enumerable: false }),
      ],
    );
    let checked = 0;
    for (const sample of fc.sample(lines, { numRuns: 40, seed: 20231124 })) {
      const text = JSON.stringify(sample);
      const { same, decode } = compiledByType.get((sample as TruceEvent).type) ?? {};
      if (!same || !decode) throw new Error('a type without a generated check');
      containers(sample).forEach((container, at) => {
        for (const key of Object.keys(container)) {
          for (const [what, change] of changes) {
            const line = JSON.parse(text) as unknown;
            change(containers(line)[at] as Record<string, unknown>, key);
            checked++;
            if (same(line) && decode(line) !== line) {
              throw new Error(
                `the generated check passed ${what} at ${key}, which the decoder does not`,
              );
            }
            const differs = generatedDiffers(line, (sample as TruceEvent).type);
            if (differs !== null) {
              throw new Error(`with ${what} at ${key}, the generated decoder gives ${differs}`);
            }
          }
        }
      });
    }
    expect(checked).toBeGreaterThan(10_000);
  });

  it('gives up where a line changes: fields out of order, an unknown field, a bad value', () => {
    const same = compileSameCheck(
      z.looseObject({ a: z.string().min(2), b: z.int().optional(), c: z.boolean() }),
    );
    expect(same?.({ a: 'xy', b: 1, c: true })).toBe(true);
    expect(same?.({ a: 'xy', c: true })).toBe(true);
    expect(same?.({ a: 'x', c: true })).toBe(false);
    expect(same?.({ a: 'xy', b: 1.5, c: true })).toBe(false);
    expect(same?.({ c: true, a: 'xy' })).toBe(false);
    expect(same?.({ a: 'xy', c: true, d: 1 })).toBe(false);
    expect(same?.({ a: 'xy', b: 1 })).toBe(false);
    expect(same?.(JSON.parse('{"a":"xy","__proto__":1,"c":true}'))).toBe(false);
    expect(same?.([])).toBe(false);
    const hidden = { a: 'xy', c: true };
    Object.defineProperty(hidden, 'b', { value: 1.5, enumerable: false });
    expect(same?.(hidden)).toBe(false);
    const piped = compileSameCheck(z.string().max(2).pipe(z.string().min(1)));
    expect([piped?.('xy'), piped?.('xyz'), piped?.('')]).toEqual([true, false, false]);
    const index = compileSameCheck(
      z.strictObject({ v: z.literal(1), at: z.string().nullable(), n: z.number().int() }),
    );
    expect(index?.({ v: 1, at: null, n: 2 })).toBe(true);
    expect(index?.({ v: 1, at: 'x', n: 2 })).toBe(true);
    for (const changed of [
      { v: 2, at: null, n: 2 },
      { v: 1, at: 0, n: 2 },
      { v: 1, at: null, n: 2.5 },
      { v: 1, at: null, n: 2, w: 0 },
    ]) {
      expect(index?.(changed)).toBe(false);
    }
    const counts = compileSameCheck(z.record(z.string().min(2), z.int()));
    expect([counts?.({ ab: 1 }), counts?.({ a: 1 }), counts?.({ ab: 0.5 })]).toEqual([
      true,
      false,
      false,
    ]);
  });
});

describe('what the compiler leaves to zod', () => {
  it('compiles every type of the catalogue', () => {
    const missing = eventTypes.filter((type: EventType) => fastDecoderOf(type) === null);
    expect(missing).toEqual([]);
  });

  it('given more lines of a type than the closures take, then its decoder is generated as source, and decodes them the same', () => {
    const line = {
      seq: 1,
      id: 'a-1',
      type: 'talks.suspended',
      at: '2024-01-01T00:00:00Z',
      data: { reason: 'r', by: 'x' },
    };
    const first = fastDecoderOf('talks.suspended');
    const answers = new Set<string>();
    for (let i = 0; i <= LINES_BEFORE_GENERATED; i++) {
      const decoded = decodeEvent(JSON.parse(JSON.stringify(line)));
      answers.add(JSON.stringify(decoded));
    }
    expect(fastDecoderOf('talks.suspended')).not.toBe(first);
    // The fields put in zod's order (by before reason), by the closures and the generated code.
    expect([...answers]).toEqual([
      JSON.stringify({
        ok: true,
        value: { ...line, data: { by: 'x', reason: 'r' } },
      }),
    ]);
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

  it.each([
    ['closures', { generated: false }],
    ['generated source', { generated: true }],
  ] as const)(
    'given a value a check refuses, then a good one: its %s give the good one back as it is',
    (_, options) => {
      // A schema's own checks share one payload between calls: a refusal must leave it empty.
      const schema = z.looseObject({
        name: z.string().refine((s) => s !== 'no'),
        held: z.unknown().check((ctx) => {
          if (ctx.value === 0) ctx.issues.push({ code: 'custom', input: 0, message: 'zero' });
        }),
      });
      const decode = compileFastDecode(schema, options);
      expect(decode?.({ name: 'no', held: 1 })).toBe(NOT_SURE);
      expect(decode?.({ name: 'yes', held: 0 })).toBe(NOT_SURE);
      const good = { name: 'yes', held: 1 };
      expect(decode?.(good)).toBe(good);
      expect(decode?.(good)).toBe(good);
    },
  );

  it(`by default gives the same answers before and after its ${VALUES_BEFORE_GENERATED}th value, when it generates its source`, () => {
    const decode = compileFastDecode(
      z.looseObject({ name: z.string().refine((s) => s !== 'no'), n: z.int() }),
    );
    for (let i = 1; i <= VALUES_BEFORE_GENERATED + 4; i++) {
      const inOrder = { name: 'yes', n: i };
      expect(decode?.(inOrder)).toBe(inOrder);
      expect(JSON.stringify(decode?.({ n: i, name: 'yes' }))).toBe(`{"name":"yes","n":${i}}`);
      expect(decode?.({ name: 'no', n: i })).toBe(NOT_SURE);
      expect(decode?.({ name: 'yes', n: i + 0.5 })).toBe(NOT_SURE);
    }
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

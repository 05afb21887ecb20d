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

/** Every object and array inside `value`, with the value itself, in a fixed order. */
function containers(value: unknown, out: Array<Record<string, unknown> | unknown[]> = []) {
  if (typeof value !== 'object' || value === null) return out;
  out.push(value as Record<string, unknown>);
  for (const child of Object.values(value)) containers(child, out);
  return out;
}

const awkward = fc.oneof(
  fc.constantFrom(
    -1,
    0,
    -0,
    1.5,
    2 ** 53,
    1_000_000_001,
    1001,
    '',
    'x'.repeat(129),
    'a b',
    '-lead',
    '2023-02-29T00:00:00Z',
    '2024-02-30T00:00:00Z',
    '2024-01-01T00:00:00',
    '2024-01-01T25:00:00Z',
    '__proto__',
    'principal',
    'women',
    true,
    null,
    [],
    {},
  ),
  fc.jsonValue({ maxDepth: 2 }),
);
const keys = fc.constantFrom(
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

/**
 * One change to a decoded line, drawn by fast-check: a field replaced by an awkward value, a
 * field removed, a field added (known names, unknown names, `__proto__`), or the fields of an
 * object put in another order.
 */
function mutate(g: fc.GeneratorValue, value: unknown): void {
  const all = containers(value);
  const target = all[g(fc.nat, { max: all.length - 1 })];
  if (target === undefined) return;
  const names = Object.keys(target);
  const name = names[g(fc.nat, { max: Math.max(0, names.length - 1) })];
  switch (g(fc.nat, { max: 3 })) {
    case 0:
      if (name !== undefined) (target as Record<string, unknown>)[name] = g(() => awkward);
      return;
    case 1:
      if (name === undefined) return;
      if (Array.isArray(target)) target.splice(Number(name), 1);
      else delete target[name];
      return;
    case 2:
      if (!Array.isArray(target)) {
        Object.defineProperty(
          target,
          g(() => keys),
          {
            value: g(() => awkward),
            enumerable: true,
            writable: true,
            configurable: true,
          },
        );
      }
      return;
    default: {
      if (Array.isArray(target)) return;
      const entries = Object.entries(target);
      const order = g(fc.shuffledSubarray, entries, {
        minLength: entries.length,
        maxLength: entries.length,
      });
      for (const [k] of entries) delete target[k];
      for (const [k, v] of order) target[k] = v;
    }
  }
}

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
        for (let i = 0; i < changes; i++) mutate(g, value);
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
    ['a strict object', z.strictObject({ a: z.string() })],
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

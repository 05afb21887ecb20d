import fc from 'fast-check';

/**
 * Changes to a decoded JSON value, for properties that hold a fast check equal to the zod schema
 * it is compiled from (event lines, the checkpoint cache's index).
 */

/** Every object and array inside `value`, with the value itself, in a fixed order. */
export function containers(value: unknown, out: Array<Record<string, unknown> | unknown[]> = []) {
  if (typeof value !== 'object' || value === null) return out;
  out.push(value as Record<string, unknown>);
  for (const child of Object.values(value)) containers(child, out);
  return out;
}

/**
 * Values that sit at the edges of the schemas: signs, bounds, whole and safe numbers, empty and
 * long strings, near-dates, names with a meaning to JavaScript, and any small JSON value.
 */
export const awkward = fc.oneof(
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

/**
 * One change to a decoded value, in place, drawn by fast-check: a field or item replaced by an
 * awkward value, one removed, a field added (named from `keys`: known names, unknown names,
 * `__proto__`), or the fields of an object put in another order.
 */
export function changeValue(
  g: fc.GeneratorValue,
  value: unknown,
  keys: fc.Arbitrary<string>,
): void {
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

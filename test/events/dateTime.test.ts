import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isPlainInstant, plainInstantMs } from '../../events/catalogue.js';
import { DateTime, instantOf } from '../../events/index.js';
import { numRuns, propertyTimeout, seed } from '../properties/settings.js';

/**
 * The reference, never the code it checks: zod's own ISO pattern, then `Date.parse` must read
 * the text, then the written year, month and day must exist (a UTC date built from them gives
 * them back).
 */
const isoPattern = z.iso.datetime({ offset: true });
function realInstant(text: string): boolean {
  if (!isoPattern.safeParse(text).success || Number.isNaN(Date.parse(text))) return false;
  const [y, m, d] = [text.slice(0, 4), text.slice(5, 7), text.slice(8, 10)].map(Number) as [
    number,
    number,
    number,
  ];
  const day = new Date(0);
  day.setUTCFullYear(y, m - 1, d);
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/** `length` digits, mostly within `min`–`valid`, sometimes anywhere up to `max`. */
const digitsOf = (length: number, min: number, valid: number, max: number) =>
  fc
    .oneof(
      { weight: 4, arbitrary: fc.integer({ min, max: valid }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max }) },
    )
    .map((n) => String(n).padStart(length, '0'));

/** Texts shaped like date-times, each part sometimes out of range or of another length. */
const dateLike = fc
  .tuple(
    // Centuries and leap years often, with the ends of months: where a calendar goes wrong.
    fc.oneof(digitsOf(4, 0, 9999, 9999), fc.constantFrom('2000', '1900', '2100', '2400', '2024')),
    fc.oneof(digitsOf(2, 1, 12, 19), fc.constant('02')),
    fc.oneof(digitsOf(2, 1, 31, 39), fc.constantFrom('28', '29', '30', '31')),
    fc.constantFrom('T', 'T', 'T', 't', ' '),
    digitsOf(2, 0, 23, 29),
    digitsOf(2, 0, 59, 69),
    fc.option(digitsOf(2, 0, 59, 69), { nil: undefined, freq: 4 }),
    fc.option(fc.stringMatching(/^\.\d{0,7}$/), { nil: undefined }),
    fc.oneof(
      fc.constantFrom('Z', 'Z', 'z', ''),
      fc
        .tuple(
          fc.constantFrom('+', '-'),
          digitsOf(2, 0, 23, 29),
          fc.constantFrom(':', ':', ':', ''),
          digitsOf(2, 0, 59, 69),
        )
        .map((parts) => parts.join('')),
    ),
  )
  .map(
    ([y, mo, d, t, h, mi, s, frac, zone]) =>
      `${y}-${mo}-${d}${t}${h}:${mi}${s === undefined ? '' : `:${s}`}${frac ?? ''}${zone}`,
  );

/** A text of `arbitrary` with one character changed, removed or added somewhere. */
const nearly = (arbitrary: fc.Arbitrary<string>) =>
  fc
    .tuple(
      arbitrary,
      fc.nat(),
      fc.constantFrom('change', 'remove', 'add'),
      fc.string({ maxLength: 1, minLength: 1 }),
    )
    .map(([text, at, how, c]) => {
      const i = at % (text.length + 1);
      if (how === 'remove') return text.slice(0, i) + text.slice(i + 1);
      if (how === 'add') return text.slice(0, i) + c + text.slice(i);
      return text.slice(0, i) + c + text.slice(i + 1);
    });
const nearlyDateLike = nearly(dateLike);

describe('an event time is a real instant (fast-check against Date.parse)', {
  timeout: propertyTimeout,
}, () => {
  it('accepts a text exactly when zod’s pattern, Date.parse and the calendar all accept it', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.oneof(dateLike, nearlyDateLike, fc.string()), (text) => {
        const expected = realInstant(text);
        if (expected) accepted++;
        else refused++;
        expect(DateTime.safeParse(text).success).toBe(expected);
      }),
      { numRuns: Math.max(2000, numRuns * 20), seed },
    );
    // The property means something only if it saw both answers many times.
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });

  it.each([
    ['2023-11-22T00:58:00.000Z', true],
    ['2023-11-22T00:58:00Z', true],
    ['2024-02-29T23:59:59.999+14:00', true],
    ['2023-02-29T00:00:00.000Z', false],
    ['2000-02-29T00:00:00Z', true],
    ['1900-02-29T00:00:00Z', false],
    ['2023-04-31T00:00:00.000+02:00', false],
    ['2023-11-31T10:00:00Z', false],
    ['2023-13-01T00:00:00Z', false],
    ['2023-11-22T00:58:00.1234567Z', true],
    ['2023-11-22T24:00:00Z', false],
  ])('%s → %s', (text, expected) => {
    expect(DateTime.safeParse(text).success).toBe(expected);
    expect(realInstant(text)).toBe(expected);
  });
});

/** Texts of ECMAScript's own shape (seconds, three fractional digits or none, a zone), parts sometimes out of range. */
const esLike = fc
  .tuple(
    fc.oneof(digitsOf(4, 0, 9999, 9999), fc.constantFrom('2000', '1900', '2100', '0000', '2024')),
    fc.oneof(digitsOf(2, 1, 12, 19), fc.constant('02')),
    fc.oneof(digitsOf(2, 1, 31, 39), fc.constantFrom('28', '29', '30', '31')),
    digitsOf(2, 0, 23, 29),
    digitsOf(2, 0, 59, 69),
    digitsOf(2, 0, 59, 69),
    fc.constantFrom('', '.000', '.999', '.5'),
    fc.oneof(
      fc.constant('Z'),
      fc
        .tuple(fc.constantFrom('+', '-'), digitsOf(2, 0, 23, 29), digitsOf(2, 0, 59, 69))
        .map(([sign, h, m]) => `${sign}${h}:${m}`),
    ),
  )
  .map(([y, mo, d, h, mi, s, frac, zone]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${frac}${zone}`);

// The decoders ask isPlainInstant before zod's pattern and the calendar check: it may refuse
// a good time (zod then decides), never accept a bad one.
describe('the shortcut for event times in ECMAScript’s format', {
  timeout: propertyTimeout,
}, () => {
  it('accepts only texts that zod’s pattern, Date.parse and the calendar all accept', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.oneof(esLike, esLike, nearly(esLike), dateLike, nearlyDateLike, fc.string()),
        (text) => {
          if (!isPlainInstant(text)) return;
          accepted++;
          expect(realInstant(text)).toBe(true);
        },
      ),
      { numRuns: Math.max(2000, numRuns * 20), seed },
    );
    expect(accepted).toBeGreaterThan(100);
  });

  it('accepts every instant toISOString writes from year 0 to 9999, and with a zone offset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(0, 0, 1) - 3 * 86_400_000, max: Date.UTC(9999, 11, 31) }),
        fc.boolean(),
        fc.constantFrom('Z', '+00:00', '-23:59', '+14:00', '+05:30'),
        (ms, millis, zone) => {
          const iso = new Date(ms).toISOString();
          if (!/^\d{4}-/.test(iso)) return; // years before 0 are written ±YYYYYY
          const text = `${millis ? iso.slice(0, 23) : iso.slice(0, 19)}${zone}`;
          expect(isPlainInstant(text)).toBe(true);
          expect(realInstant(text)).toBe(true);
        },
      ),
      { numRuns: Math.max(2000, numRuns * 20), seed },
    );
  });

  it.each([
    ['2024-02-29T23:59:59.999+14:00', true],
    ['2000-02-29T00:00:00Z', true],
    ['0000-02-29T00:00:00Z', true],
    ['1900-02-29T00:00:00Z', false],
    ['2023-02-29T00:00:00.000Z', false],
    ['2023-04-31T00:00:00.000+02:00', false],
    ['2023-12-31T23:59:59.999-23:59', true],
    ['2023-13-01T00:00:00Z', false],
    ['2023-00-10T00:00:00Z', false],
    ['2023-11-00T00:00:00Z', false],
    ['2023-11-22T24:00:00Z', false],
    ['2023-11-22T23:60:00Z', false],
    ['2023-11-22T23:59:60Z', false],
    ['2023-11-22T00:58:00+24:00', false],
    ['2023-11-22T00:58:00+02:60', false],
    ['2023-11-22T00:58:00+0200', false],
    ['2023-11-22T00:58:00.12Z', false],
    ['2023-11-22T00:58:00.1234Z', false],
    ['2023-11-22T00:58:00z', false],
    ['2023-11-22t00:58:00Z', false],
    ['2023-11-22T00:58:00ZZ', false],
    ['2023-11-22T00:58:00', false],
    ['2023-1a-22T00:58:00Z', false],
    ['2023-11-22T00:58:0 Z', false],
  ])('%s → %s', (text, expected) => {
    expect(isPlainInstant(text)).toBe(expected);
    if (expected) expect(DateTime.safeParse(text).success).toBe(true);
  });
});

// The rules compare event times by instantOf: it must be Date.parse itself, whatever the text.
describe('reading an event time as an instant', { timeout: propertyTimeout }, () => {
  it('gives the number Date.parse gives, NaN included, for any text', () => {
    let plain = 0;
    fc.assert(
      fc.property(
        fc.oneof(esLike, esLike, nearly(esLike), dateLike, nearlyDateLike, fc.string()),
        (text) => {
          if (isPlainInstant(text)) plain++;
          expect(instantOf(text)).toBe(Date.parse(text));
        },
      ),
      { numRuns: Math.max(2000, numRuns * 20), seed },
    );
    expect(plain).toBeGreaterThan(100);
  });

  it('reads the instant Date.parse gives for exactly the texts the shortcut accepts', () => {
    // Both read the format through one check (zoneOfPlainInstant): the oracle for the instant
    // is Date.parse, and the one for which texts are accepted is the shortcut's test above.
    let plain = 0;
    fc.assert(
      fc.property(
        fc.oneof(esLike, esLike, nearly(esLike), dateLike, nearlyDateLike, fc.string()),
        (text) => {
          const read = !Number.isNaN(plainInstantMs(text));
          if (read) plain++;
          expect(isPlainInstant(text)).toBe(read);
          if (read) expect(plainInstantMs(text)).toBe(Date.parse(text));
        },
      ),
      { numRuns: Math.max(2000, numRuns * 20), seed },
    );
    expect(plain).toBeGreaterThan(100);
  });

  it('reads every instant toISOString writes from year 0 to 9999, in any zone', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(0, 0, 1) - 3 * 86_400_000, max: Date.UTC(9999, 11, 31) }),
        fc.boolean(),
        fc.constantFrom('Z', '+00:00', '-00:00', '-23:59', '+14:00', '+05:30', '-09:45'),
        (ms, millis, zone) => {
          const iso = new Date(ms).toISOString();
          if (!/^\d{4}-/.test(iso)) return; // years before 0 are written ±YYYYYY
          const text = `${millis ? iso.slice(0, 23) : iso.slice(0, 19)}${zone}`;
          expect(instantOf(text)).toBe(Date.parse(text));
        },
      ),
      { numRuns: Math.max(2000, numRuns * 20), seed },
    );
  });

  it.each([
    ['1970-01-01T00:00:00Z', 0],
    ['1970-01-01T00:00:00.001Z', 1],
    ['1970-01-01T02:00:00+02:00', 0],
    ['1969-12-31T19:00:00-05:00', 0],
    ['2023-11-24T07:00:00+02:00', 1_700_802_000_000],
    ['2000-03-01T00:00:00.000Z', 951_868_800_000],
    ['0000-03-01T00:00:00Z', -62_162_035_200_000],
    ['2023-02-29T00:00:00Z', Date.parse('2023-02-29T00:00:00Z')],
    ['not a time', Number.NaN],
  ])('%s → %s', (text, expected) => {
    expect(instantOf(text)).toBe(expected);
  });
});

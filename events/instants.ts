import { isPlainInstant } from './catalogue.js';

let lastText: string | undefined;
let lastMs = Number.NaN;

/**
 * `Date.parse(text)`, remembering the last text asked: the machine compares the time of every
 * event of a phase with the same start of the phase, and parsing it again each time was a
 * tenth of the rules' cost.
 *
 * @example
 * instantOf(event.at) < rememberedInstant(progress.startedAt); // the event predates the phase
 */
export function rememberedInstant(text: string): number {
  if (text !== lastText) {
    lastMs = instantOf(text);
    lastText = text;
  }
  return lastMs;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * `Date.parse(text)`, the same number (NaN included), read digit by digit for a text in
 * ECMAScript's own format that {@link isPlainInstant} accepts (what `toISOString` and
 * `truce generate` write), which the standard has `Date.parse` read as this very instant:
 * `Date.parse` cost four times as much, and the rules read the time of most events.
 *
 * @example
 * instantOf('2023-11-24T07:00:00+02:00'); // 1700802000000
 */
export function instantOf(text: string): number {
  if (!isPlainInstant(text)) return Date.parse(text);
  const ms =
    daysSinceEpoch(digitsAt(text, 0, 4), digitsAt(text, 5, 2), digitsAt(text, 8, 2)) * DAY_MS +
    (digitsAt(text, 11, 2) * 60 + digitsAt(text, 14, 2)) * MINUTE_MS +
    digitsAt(text, 17, 2) * 1000;
  // isPlainInstant let through `.sss` or nothing, then `Z` or `±HH:mm`.
  const fraction = text.charCodeAt(19) === 46 ? digitsAt(text, 20, 3) : 0;
  const zone = text.length - 6;
  if (text.charCodeAt(zone) !== 43 && text.charCodeAt(zone) !== 45) return ms + fraction;
  const offset = (digitsAt(text, zone + 1, 2) * 60 + digitsAt(text, zone + 4, 2)) * MINUTE_MS;
  return ms + fraction + (text.charCodeAt(zone) === 43 ? -offset : offset);
}

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar, year 0 to 9999 (month
 * 1–12): the days of the 400-year eras and the years before it, with March as the first month
 * so that a leap day ends its year (H. Hinnant's `days_from_civil`).
 */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The number `length` decimal digits at `start` spell (checked digits already). */
function digitsAt(text: string, start: number, length: number): number {
  let n = 0;
  for (let i = start; i < start + length; i++) n = n * 10 + (text.charCodeAt(i) - 48);
  return n;
}

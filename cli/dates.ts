import { InvalidArgumentError } from 'commander';
import { DateTime } from '../events/index.js';

/**
 * Whether `YYYY-MM-DD…` at the start of `value` is a day of the calendar (no 31 November, no
 * 29 February outside a leap year), which `Date.parse` would silently roll over.
 *
 * @example
 * isCalendarDate('2023-11-31'); // false
 */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * Parses `--at` of `append` and `init`: an ISO 8601 date-time with a zone on a real calendar
 * day, exactly what the event's `at` accepts; anything else is a usage error (exit 2).
 *
 * @example
 * parseEventTime('2023-11-24T07:00:00Z'); // '2023-11-24T07:00:00Z'
 */
export function parseEventTime(value: string): string {
  if (!isCalendarDate(value) || !DateTime.safeParse(value).success) {
    throw new InvalidArgumentError(
      `expected an ISO 8601 date-time with a zone on a real calendar day, such as 2023-11-24T07:00:00Z, found "${value}"`,
    );
  }
  return value;
}

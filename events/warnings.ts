import type { TruceEvent } from './catalogue.js';
import { likelyTypos } from './typos.js';

/** Something in a valid event that is likely a mistake: the log stays valid. */
export interface LogWarning {
  /** `data.hostage`, or `at` */
  path: string;
  /** One sentence, e.g. `data.hostage is not a field of release.completed; did you mean …?` */
  message: string;
}

/**
 * Every warning `truce validate` and `truce append` give for an event, given the `at` of the
 * event before it in the log (null for the first): a likely misspelt field of `data`, and an
 * `at` earlier than the previous event's (events are taken in log order, so a date typo would
 * otherwise move the as-of instant backwards unnoticed). Pure: the same inputs, the same list.
 *
 * @example
 * eventWarnings(event, previous?.at ?? null).forEach((w) => console.warn(w.message));
 */
export function eventWarnings(event: TruceEvent, previousAt: string | null): LogWarning[] {
  const warnings: LogWarning[] = likelyTypos(event).map((typo) => ({
    path: typo.path,
    message: `${typo.path} is not a field of ${event.type}; did you mean ${typo.suggestion}? (unknown fields are kept and ignored)`,
  }));
  if (previousAt !== null && Date.parse(event.at) < Date.parse(previousAt)) {
    warnings.push({
      path: 'at',
      message: `at ${event.at} is earlier than the previous event's ${previousAt} (events are taken in log order; is the date right?)`,
    });
  }
  return warnings;
}

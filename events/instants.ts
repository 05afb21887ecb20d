import { type isPlainInstant, plainInstantMs } from './catalogue.js';

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
  const ms = plainInstantMs(text);
  return Number.isNaN(ms) ? Date.parse(text) : ms;
}

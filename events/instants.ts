let lastText: string | undefined;
let lastMs = Number.NaN;

/**
 * `Date.parse(text)`, remembering the last text asked: the machine compares the time of every
 * event of a phase with the same start of the phase, and parsing it again each time was a
 * tenth of the rules' cost.
 *
 * @example
 * Date.parse(event.at) < rememberedInstant(progress.startedAt); // the event predates the phase
 */
export function rememberedInstant(text: string): number {
  if (text !== lastText) {
    lastMs = Date.parse(text);
    lastText = text;
  }
  return lastMs;
}

import type { Terms } from '../events/index.js';
import { namedHostages } from '../machines/index.js';

/** The headline figures of a proposal's terms, compared between the principals' positions. */
export interface TermsSummary {
  /** The end-of-war clause. */
  permanentCeasefire: boolean;
  /** Days of pause over all phases; null when a phase is open-ended (no `days`). */
  pauseDays: number | null;
  phases: number;
  /** Hostages the terms name, when every phase states its counts. */
  hostages: number | null;
  /** Prisoners the terms name as fixed totals, when every phase states one. */
  prisoners: number | null;
  /** The highest daily aid the terms name, when any phase names one. */
  aidTrucksPerDay: number | null;
}

/** The headline figures of `terms`. */
export function summarizeTerms(terms: Terms): TermsSummary {
  let pauseDays: number | null = 0;
  let hostages: number | null = 0;
  let prisoners: number | null = 0;
  let aid: number | null = null;
  for (const phase of terms.phases) {
    pauseDays = pauseDays === null || phase.days === undefined ? null : pauseDays + phase.days;
    const named = namedHostages(phase);
    hostages = hostages === null || named === null ? null : hostages + named;
    prisoners =
      prisoners === null || phase.prisoners === undefined ? null : prisoners + phase.prisoners;
    if (phase.aidTrucksPerDay !== undefined) aid = Math.max(aid ?? 0, phase.aidTrucksPerDay);
  }
  return {
    permanentCeasefire: terms.permanentCeasefire,
    pauseDays,
    phases: terms.phases.length,
    hostages,
    prisoners,
    aidTrucksPerDay: aid,
  };
}

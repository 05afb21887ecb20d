import type { PhaseTerms } from '../events/index.js';

/** Aid a phase's terms owe one region each day (`aidByRegion`), duplicates of a region merged. */
export interface AidTerms {
  region: string;
  /** Trucks a day; null where the terms name the region without a figure. */
  trucksPerDay: number | null;
  fuelTrucksPerDay: number | null;
}

const DAY_MS = 86_400_000;

/**
 * The regions a phase's terms owe aid to each day, in the order first named; a region named
 * twice owes the sum of its figures (none stated: null).
 *
 * @example
 * aidTermsOf({ hostages: [], aidByRegion: [{ region: 'north', trucksPerDay: 50 }] });
 * // [{ region: 'north', trucksPerDay: 50, fuelTrucksPerDay: null }]
 */
export function aidTermsOf(terms: PhaseTerms): AidTerms[] {
  const byRegion = new Map<string, AidTerms>();
  for (const a of terms.aidByRegion ?? []) {
    const prior = byRegion.get(a.region);
    byRegion.set(a.region, {
      region: a.region,
      trucksPerDay: plus(prior?.trucksPerDay ?? null, a.trucksPerDay),
      fuelTrucksPerDay: plus(prior?.fuelTrucksPerDay ?? null, a.fuelTrucksPerDay),
    });
  }
  return [...byRegion.values()];
}

function plus(sum: number | null, n: number | undefined): number | null {
  if (n === undefined) return sum;
  return (sum ?? 0) + n;
}

/** When a phase's aid ran: its start, its end (completion or collapse) and its planned days. */
export interface AidWindow {
  startedAt: string;
  /** When it was completed or fighting resumed; null while it is in force. */
  endedAt: string | null;
  /** Days of the pause with extensions; null for an open-ended phase. */
  days: number | null;
}

/**
 * The days of a phase's aid owed at `asOf`: every day of the phase begun by then (day 1 is the
 * day it starts, as `pause.day` counts), up to the day it ended and at most its planned days.
 * 0 before it starts.
 *
 * @example
 * aidDaysOwed({ startedAt: '2023-11-24T05:00:00Z', endedAt: null, days: 4 }, '2023-11-25T06:00:00Z'); // 2
 */
export function aidDaysOwed(window: AidWindow, asOf: string): number {
  const ended = window.endedAt !== null && Date.parse(window.endedAt) < Date.parse(asOf);
  const begun = Math.max(0, dayOf(window.startedAt, ended ? (window.endedAt as string) : asOf));
  return window.days === null ? begun : Math.min(begun, window.days);
}

/**
 * The day of a period begun at `startedAt` that the instant `at` falls in: 1 during its first
 * 24 hours, 2 during the next; 0 or less before it began. The pause's day and the days of aid
 * owed are both counted this way.
 *
 * @example
 * dayOf('2023-11-24T05:00:00Z', '2023-11-25T05:00:00Z'); // 2
 */
export function dayOf(startedAt: string, at: string): number {
  return Math.floor((Date.parse(at) - Date.parse(startedAt)) / DAY_MS) + 1;
}

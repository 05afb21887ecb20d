import fc from 'fast-check';
import type { TruceEvent } from '../../events/index.js';
import { foldLog, type LogDraws } from './foldLog.js';

/** Options of {@link legalLog}. */
export interface LegalLogConstraints {
  /** Longest log, in events (40 by default). */
  maxEvents?: number;
}

/** A detail in `[0, max]`: counts, days, which party (biased to the edges, as fast-check does). */
const detail = (max: number) => fc.nat({ max });
/** Which candidate comes next: unbiased, so the weights of the legality model hold. */
const choice = (max: number) => fc.noBias(fc.nat({ max }));
/** How many events: at least 1, unbiased, so most logs are long enough to reach a phase. */
const length = (max: number) => fc.noBias(fc.integer({ min: 1, max }));

/**
 * A legal negotiation in log format v1: seq 1..n, unique ids, increasing `at`. Built as a fold
 * ({@link foldLog}): at each step the legality model (`nextEvents`, from the README's rules, over the oracle's
 * {@link DealModel} of the deal so far) lists what may come next, and fast-check draws, with
 * `fc.gen()`, the length, each choice and each detail (counts, terms, parties, times). Every
 * draw is fast-check's, so a failing log shrinks: fewer events, earlier candidates, smaller
 * numbers, and the result is still a legal log.
 *
 * The machine is not asked: a generated event the machine rejects is a disagreement between
 * the README's rules and the machine, which the replay properties report.
 *
 * @example
 * fc.assert(fc.property(legalLog(), (events) => { ... }));
 */
export function legalLog(constraints: LegalLogConstraints = {}): fc.Arbitrary<TruceEvent[]> {
  const maxEvents = constraints.maxEvents ?? 40;
  return fc.gen().map((g) => buildLog(g, maxEvents));
}

/** Folds fast-check's draws into a log of at most `maxEvents` events ({@link foldLog}). */
export function buildLog(g: fc.GeneratorValue, maxEvents: number): TruceEvent[] {
  const n = g(length, maxEvents);
  const draws: LogDraws = {
    detail: (max) => (max <= 1 ? 0 : g(detail, max - 1)),
    choice: (max) => (max <= 1 ? 0 : g(choice, max - 1)),
  };
  return [...foldLog(draws, { events: n })];
}

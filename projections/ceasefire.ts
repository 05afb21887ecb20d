import type { ObligationDue } from '../machines/index.js';

/** A flare-up inside the ceasefire, and when the ceasefire was restored after it. */
export interface FlareUp {
  seq: number;
  at: string;
  by: string;
  against: string | null;
  description: string;
  killed: number | null;
  wounded: number | null;
  /** The `ceasefire.restored` that ended the strain, or null while it lasts. */
  restoredAt: string | null;
}

/** An obligation of a phase's terms and what has been done toward it so far. */
export interface ObligationProgress extends ObligationDue {
  /** The phase attempt (`byPhase` index) whose releases count toward it. */
  attempt: number;
  /** How many so far (talks, withdrawal: 1 once it happened). */
  fulfilled: number;
  /** When it was met, or null. */
  metAt: string | null;
}

/** Where an obligation stands at an instant. */
export type ObligationStatus = 'open' | 'met' | 'overdue';

/** An obligation as the report shows it, evaluated at the as-of instant. */
export interface ObligationView extends ObligationProgress {
  status: ObligationStatus;
}

/**
 * Where an obligation stands at `asOf`: `met` once what counts toward it reached its count (for
 * good: a later instant never changes that), `overdue` when its deadline has passed unmet,
 * else `open`. An obligation with no deadline ("as soon as possible") is never overdue.
 *
 * @example
 * obligationStatus(progress, '2025-10-14T12:00:00+03:00'); // 'overdue'
 */
export function obligationStatus(o: ObligationProgress, asOf: string | null): ObligationStatus {
  if (o.metAt !== null) return 'met';
  if (o.due !== null && asOf !== null && Date.parse(asOf) > Date.parse(o.due)) return 'overdue';
  return 'open';
}

/** How many an obligation needs before it is met. */
export function obligationTarget(o: ObligationDue): number {
  return o.count ?? 1;
}

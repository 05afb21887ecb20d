import type { ObligationDue, ObligationStatus } from '../machines/index.js';

// Where an obligation stands is decided in machines/ (obligations.ts); kept importable from here.
export { type ObligationStatus, obligationStatus } from '../machines/index.js';

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

/** An obligation as the report shows it, evaluated at the as-of instant. */
export interface ObligationView extends ObligationProgress {
  status: ObligationStatus;
}

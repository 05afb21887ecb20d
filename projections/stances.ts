import type { Terms } from '../events/index.js';
import { summarizeTerms, type TermsSummary } from './summary.js';

/** The terms a principal takes a stance on, one by one. */
export const STANCE_TERMS = [
  'permanentCeasefire',
  'pauseDays',
  'phases',
  'hostages',
  'prisoners',
  'aidTrucksPerDay',
  'withdrawal',
] as const;

/** A term a principal takes a stance on. */
export type StanceTerm = (typeof STANCE_TERMS)[number];

/** A principal's latest statement on one term, and where it said so. */
export interface Stance {
  value: boolean | number | string;
  /** Its own proposal, its acceptance of a whole proposal, or a public demand. */
  from: 'proposal' | 'acceptance' | 'demand';
  proposalId: string | null;
  seq: number;
  at: string;
}

/**
 * The terms a statement takes a stance on: a proposal's terms state every headline figure they
 * name (and the last withdrawal a phase names); a demand states those it lists. `summary`:
 * the terms' {@link summarizeTerms}, when the caller has it already.
 */
export function stanceOfTerms(
  terms: Terms | Partial<Record<StanceTerm, boolean | number | string | undefined>>,
  summary?: TermsSummary,
): Partial<Record<StanceTerm, boolean | number | string | null | undefined>> {
  if (!('phases' in terms) || !Array.isArray(terms.phases)) {
    return terms as Partial<Record<StanceTerm, boolean | number | string | undefined>>;
  }
  const full = terms as Terms;
  const withdrawal = full.phases.findLast((p) => p.withdrawal !== undefined)?.withdrawal ?? null;
  return { ...(summary ?? summarizeTerms(full)), withdrawal };
}
